"""A stream message is NDJSON (one event a line, or one pretty-printed event); a batch is read
as one body whose every line maps back to its message's sequence and index, and a file's rows
are packed into messages whose id follows their content."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from saxaul.ingest.messages import (
    MAX_EVENTS_PER_MESSAGE,
    StreamMessage,
    iter_file_messages,
    message_key,
    pack_messages,
    parse_event_messages,
)
from tests.stream_rides import ride


def _parse(messages: list[StreamMessage], max_bytes: int = 4096) -> tuple[list[str], list[int]]:
    _body, chunk, lines = parse_event_messages(
        messages, known_behaviours=None, max_message_bytes=max_bytes
    )
    return list(chunk.accepted["event_id"]), [lines.key(r.line) for r in chunk.rejected]


def test_a_message_carries_many_events_and_a_bad_line_is_named_by_sequence_and_index() -> None:
    packed = b"\n".join([ride(1), b"not json", ride(2), b"[1, 2]"]) + b"\r\n"
    accepted, keys = _parse([StreamMessage(ride(0), 7), StreamMessage(packed, 9)])
    assert accepted == ["e0", "e1", "e2"]
    assert keys == [message_key(9, 1), message_key(9, 3)]
    assert message_key(9, 1) == 9 * 65_536 + 1


def test_single_event_messages_keep_working_pretty_printed_or_not() -> None:
    pretty = json.dumps(json.loads(ride(3)), indent=2).encode()
    accepted, keys = _parse(
        [StreamMessage(ride(1), 1), StreamMessage(b"{broken", 2), StreamMessage(pretty, 3)]
    )
    assert accepted == ["e1", "e3"]
    assert keys == [message_key(2)]


def test_a_message_too_large_is_refused_whole_and_the_lines_after_it_keep_their_keys() -> None:
    big = b"\n".join([ride(n) for n in range(20)])
    accepted, keys = _parse(
        [StreamMessage(big, 4), StreamMessage(ride(30) + b"\nnope", 5)], max_bytes=1024
    )
    assert accepted == ["e30"]
    assert keys == [message_key(4), message_key(5, 1)]


def test_a_message_of_more_lines_than_a_key_can_index_is_refused_whole() -> None:
    many = b"\n" * MAX_EVENTS_PER_MESSAGE
    _body, chunk, lines = parse_event_messages(
        [StreamMessage(many, 2)], known_behaviours=None, max_message_bytes=1 << 20
    )
    [rejection] = chunk.rejected
    assert lines.key(rejection.line) == message_key(2)
    assert "more than 65,536 lines" in rejection.reason


def test_rows_are_packed_within_the_count_and_the_size_and_named_by_content(
    tmp_path: Path,
) -> None:
    rows = [ride(n) for n in range(7)]
    packed = list(pack_messages(rows, 3))
    assert [m.data.count(b"\n") + 1 for m in packed] == [3, 3, 1]
    assert b"\n".join(m.data for m in packed) == b"\n".join(rows)
    assert [m.msg_id for m in pack_messages(rows, 3)] == [m.msg_id for m in packed]  # re-publish
    assert packed[0].msg_id != packed[1].msg_id
    assert packed[2].msg_id is not None and packed[2].msg_id.startswith("wallet:e6#")
    by_size = list(pack_messages(rows, 100, max_message_bytes=len(rows[0]) * 2 + 1))
    assert [m.data.count(b"\n") + 1 for m in by_size] == [2, 2, 2, 1]
    path = tmp_path / "events.ndjson"
    path.write_bytes(b"\n".join(rows) + b"\n\n")
    assert [m.data for m in iter_file_messages(path, per_message=3)] == [m.data for m in packed]
    with pytest.raises(ValueError, match="at least 1"):
        list(pack_messages(rows, 0))
