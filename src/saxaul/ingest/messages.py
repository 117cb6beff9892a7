"""Events that arrive on a stream, a JetStream batch of messages read as one NDJSON body.

Why a module of its own: a message is not a line. A message is NDJSON: one event per line, so
a producer may pack many events into one message (``pack_messages``, what ``saxaul events
publish --per-message`` does) as payment platforms batch; a message of one compact event is
the one-line case. A producer may instead pretty-print a single event: a message with line
breaks that parses whole as one JSON value is that event, its line breaks turned into spaces —
outside strings they are whitespace, and inside strings JSON forbids them raw, so the object
read is the same. A message larger than ``max_message_bytes`` (or of more than
``MAX_EVENTS_PER_MESSAGE`` lines) is not read at all: it becomes a blank line (blank lines are
not rows, so the numbering holds) and a ``malformed_row`` rejection of its own.

Every rejection names the message and the event in it (``MessageLines.key``): the body's line
is mapped back to (stream sequence, index of the line in its message), kept as one number,
``sequence × 65,536 + index``, so a message delivered again, however regrouped, yields the same
keys. Example, with ``max_message_bytes=64`` and messages at sequences 7, 8 and 9::

    [b'{"event_id": "e1", ...}\\nnot json', b'{"event_id": "e2", ...}', b"x" * 100]
    → e1 read, "not json" malformed_row at key 7 × 65,536 + 1, e2 read,
      message 9 malformed_row ("the message is 100 bytes; the limit is 64") at 9 × 65,536
"""

from __future__ import annotations

import bisect
import csv
import dataclasses
import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from saxaul.domain.events import RejectCode, Rejection
from saxaul.ingest.events import EventChunk, Refusal, parse_event_body
from saxaul.ingest.pieces import clip

NDJSON = "application/x-ndjson"
CSV_SUFFIXES = frozenset({".csv"})
EVENT_INDEX_BITS = 16
"""A quarantine key keeps a line's index in its message in its low 16 bits."""
MAX_EVENTS_PER_MESSAGE = 1 << EVENT_INDEX_BITS
"""The most lines one message may have: each needs an index of its own in the key."""


@dataclass(frozen=True, slots=True)
class FileMessage:
    """Rows of an events file as one message: its bytes (NDJSON, a row a line) and the message
    id a stream may deduplicate by (``Nats-Msg-Id``), derived from the content so an exact
    re-publish (a producer's retry) is dropped by the stream.

    One row naming its key: ``source:event_id#`` and the first 16 hex digits of the bytes'
    SHA-256. Why the digest: a stream drops a second message with the same id whatever it
    holds, and a conflicting re-send (same event id, other fields) must reach the import to be
    quarantined ``exists_with_different_payload``, as it would be from a file. Several rows:
    ``sha256:`` and the bytes' digest."""

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


def message_key(sequence: int, index: int = 0) -> int:
    """The quarantine ``line`` of the ``index``-th line (0-based) of the message at stream
    ``sequence``; a whole message (a dead letter, one too large) is its index 0."""
    return (sequence << EVENT_INDEX_BITS) | index


@dataclass(frozen=True, slots=True)
class MessageLines:
    """Which message each line of a batch's body came from: message *k* starts at body line
    ``starts[k]`` (1-based) and is at stream sequence ``sequences[k]``."""

    starts: tuple[int, ...]
    sequences: tuple[int, ...]

    def key(self, line: int) -> int:
        """The quarantine key of body line ``line``: its message's sequence and its index."""
        k = bisect.bisect_right(self.starts, line) - 1
        return message_key(self.sequences[k], line - self.starts[k])


def iter_file_messages(
    path: Path, *, per_message: int = 1, max_message_bytes: int | None = None
) -> Iterator[FileMessage]:
    """The rows of a CSV (each a JSON object of its non-empty cells) or NDJSON file (each
    non-blank line as it is, broken or not: the consumer quarantines what it cannot read),
    packed ``per_message`` to a message (``pack_messages``)."""
    return pack_messages(_file_rows(path), per_message, max_message_bytes)


def pack_messages(
    rows: Iterable[bytes], per_message: int, max_message_bytes: int | None = None
) -> Iterator[FileMessage]:
    """Rows packed in order into NDJSON messages of at most ``per_message`` rows and, when
    given, ``max_message_bytes`` (a row larger than that alone goes in a message of its own,
    which the consumer quarantines whole)."""
    if per_message < 1:
        raise ValueError(f"per_message must be at least 1, not {per_message}")
    packed: list[bytes] = []
    size = 0
    for row in rows:
        if packed and (
            len(packed) == per_message
            or (max_message_bytes is not None and size + 1 + len(row) > max_message_bytes)
        ):
            yield _message(packed)
            packed, size = [], 0
        size += len(row) + (1 if packed else 0)
        packed.append(row)
    if packed:
        yield _message(packed)


def _file_rows(path: Path) -> Iterator[bytes]:
    if path.suffix.lower() in CSV_SUFFIXES:
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                yield json.dumps(
                    {key: value for key, value in row.items() if key and value}
                ).encode()
        return
    with path.open("rb") as handle:
        for line in handle:
            text = line.rstrip(b"\r\n")
            if text.strip():
                yield text


def _message(rows: list[bytes]) -> FileMessage:
    data = b"\n".join(rows)
    if len(rows) > 1:
        return FileMessage(data, f"sha256:{hashlib.sha256(data).hexdigest()}")
    return FileMessage(data, _msg_id(_object(data), data))


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


def _unread(data: bytes, max_message_bytes: int) -> str | None:
    """Why a message is not read at all, if it is not."""
    if len(data) > max_message_bytes:
        return f"the message is {len(data)} bytes; the limit is {max_message_bytes}"
    if data.count(b"\n") >= MAX_EVENTS_PER_MESSAGE:
        return f"the message has more than {MAX_EVENTS_PER_MESSAGE:,} lines"
    return None


def _lines(data: bytes) -> bytes:
    """A message as body lines: a pretty-printed event on one line, NDJSON as it is."""
    if b"\n" not in data and b"\r" not in data:
        return data
    text = data.rstrip(b"\r\n")
    if b"\n" in text and _object(text) is None:
        return text.replace(b"\r", b" ")  # NDJSON: many events, CR of CRLF as whitespace
    return text.replace(b"\r", b" ").replace(b"\n", b" ")


def messages_body(
    messages: Sequence[StreamMessage], *, max_message_bytes: int
) -> tuple[bytes, MessageLines, list[Rejection]]:
    """The batch as one NDJSON body, where its lines came from, and the messages not read."""
    parts: list[bytes] = []
    starts: list[int] = []
    unread: list[Rejection] = []
    line = 1
    for message in messages:
        starts.append(line)
        reason = _unread(message.data, max_message_bytes)
        if reason is None:
            part = _lines(message.data)
        else:
            part = b""
            raw = message.data[: max_message_bytes + 1].decode("utf-8", errors="replace")
            unread.append(Rejection(line, RejectCode.MALFORMED_ROW, reason, clip(raw)))
        parts.append(part)
        line += part.count(b"\n") + 1
    lines = MessageLines(tuple(starts), tuple(message.sequence for message in messages))
    return b"\n".join(parts) + b"\n", lines, unread


def parse_event_messages(
    messages: Sequence[StreamMessage],
    *,
    known_behaviours: frozenset[str] | None,
    refusal: Refusal | None = None,
    max_message_bytes: int,
) -> tuple[bytes, EventChunk, MessageLines]:
    """The batch's NDJSON body (its identity), its rows checked, and where each line came
    from (for the quarantine's keys)."""
    body, lines, unread = messages_body(messages, max_message_bytes=max_message_bytes)
    rows = body.count(b"\n")
    chunk = parse_event_body(
        body, NDJSON, known_behaviours=known_behaviours, refusal=refusal, max_rows=max(rows, 1)
    )
    if not unread:
        return body, chunk, lines
    return (
        body,
        dataclasses.replace(
            chunk,
            rejected=sorted([*chunk.rejected, *unread], key=lambda r: r.line),
            rows_read=chunk.rows_read + len(unread),
        ),
        lines,
    )
