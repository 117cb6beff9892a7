"""Events that arrive one per message (a JetStream batch) read as one NDJSON body.

Why a module of its own: a message is not a line. A producer may pretty-print its JSON, so a
message's own line breaks are turned into spaces — outside strings they are whitespace, and
inside strings JSON forbids them raw, so the object read is the same and a broken message
stays broken. A message larger than ``max_message_bytes`` is not read at all: it becomes a
blank line (blank lines are not rows, so the numbering holds) and a ``malformed_row``
rejection of its own. Line *n* of the body is message *n* of the batch, so every rejection
names the message it came from. Example, with ``max_message_bytes=64``::

    [b'{"event_id": "e1", ...}', b"not json", b"x" * 100]
    → line 1 read as an event, line 2 malformed_row (not valid JSON),
      line 3 malformed_row ("the message is 100 bytes; the limit is 64")
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from saxaul.domain.events import RejectCode, Rejection
from saxaul.ingest.events import EventChunk, Refusal, parse_event_body
from saxaul.ingest.pieces import clip

NDJSON = "application/x-ndjson"
CSV_SUFFIXES = frozenset({".csv"})


@dataclass(frozen=True, slots=True)
class FileMessage:
    """One row of an events file as a message: its bytes and, when the row names them, the
    message id a stream may deduplicate by: ``source:event_id#`` and the first 16 hex digits of
    the bytes' SHA-256. Why the digest: a stream drops a second message with the same id
    whatever it holds, and a conflicting re-send (same event id, other fields) must reach the
    import to be quarantined ``exists_with_different_payload``, as it would be from a file;
    an exact re-send (a producer's retry) still has the same id and is dropped by the stream."""

    data: bytes
    msg_id: str | None


@dataclass(frozen=True, slots=True)
class StreamMessage:
    """One message as a stream delivered it: its bytes, its place in the stream and how many
    times it has been delivered. Why the sequence: it names the message for good, however a
    redelivery regroups it into batches, so quarantining it twice can be refused by key; why
    the delivery count: a message whose import keeps failing is set aside after so many."""

    data: bytes
    sequence: int
    deliveries: int = 1


def iter_file_messages(path: Path) -> Iterator[FileMessage]:
    """Each row of a CSV (as a JSON object of its non-empty cells) or NDJSON file (each
    non-blank line as it is, broken or not: the consumer quarantines what it cannot read)."""
    if path.suffix.lower() in CSV_SUFFIXES:
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                obj = {key: value for key, value in row.items() if key and value}
                data = json.dumps(obj).encode()
                yield FileMessage(data, _msg_id(obj, data))
        return
    with path.open("rb") as handle:
        for line in handle:
            text = line.rstrip(b"\r\n")
            if text.strip():
                yield FileMessage(text, _msg_id(_object(text), text))


def _object(text: bytes) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _msg_id(obj: object, data: bytes) -> str | None:
    if not isinstance(obj, dict):
        return None
    source, event_id = obj.get("source"), obj.get("event_id")
    if isinstance(source, str) and isinstance(event_id, str) and source and event_id:
        return f"{source}:{event_id}#{hashlib.sha256(data).hexdigest()[:16]}"
    return None


def messages_body(messages: Sequence[bytes], *, max_message_bytes: int) -> bytes:
    """One NDJSON line per message; an oversized message is a blank line."""
    lines = (
        b"" if len(data) > max_message_bytes else data.replace(b"\r", b" ").replace(b"\n", b" ")
        for data in messages
    )
    return b"\n".join(lines) + b"\n"


def parse_event_messages(
    messages: Sequence[bytes],
    *,
    known_behaviours: frozenset[str] | None,
    refusal: Refusal | None = None,
    max_message_bytes: int,
) -> tuple[bytes, EventChunk]:
    """The batch's NDJSON body (its identity) and its rows checked, one row per message."""
    body = messages_body(messages, max_message_bytes=max_message_bytes)
    chunk = parse_event_body(
        body,
        NDJSON,
        known_behaviours=known_behaviours,
        refusal=refusal,
        max_rows=max(len(messages), 1),
    )
    oversized = [
        Rejection(
            line,
            RejectCode.MALFORMED_ROW,
            f"the message is {len(data)} bytes; the limit is {max_message_bytes}",
            clip(data[: max_message_bytes + 1].decode("utf-8", errors="replace")),
        )
        for line, data in enumerate(messages, start=1)
        if len(data) > max_message_bytes
    ]
    if not oversized:
        return body, chunk
    return body, dataclasses.replace(
        chunk,
        rejected=sorted([*chunk.rejected, *oversized], key=lambda r: r.line),
        rows_read=chunk.rows_read + len(oversized),
    )
