"""The stream consumer's loop against a stand-in for the stream, on SQLite and PostgreSQL: a
batch is acknowledged only once its import has committed, a failed import acknowledges
nothing, unreadable messages are quarantined and acknowledged, a batch delivered again
changes nothing (its quarantined messages included, however it is regrouped), and a message
whose import keeps failing is set aside as a dead letter without holding the others up."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from saxaul.ingest.messages import message_key
from saxaul.services import stream_ingest
from saxaul.services.runtime import Runtime
from saxaul.services.stream_ingest import StreamLimits, StreamMessage, consume
from tests.integration.fake_stream import FakeStream, stored
from tests.integration.totals import snapshot
from tests.stream_rides import ride

LIMITS = StreamLimits(batch_size=3, wait_seconds=0.01, max_message_bytes=2048, max_deliver=3)


def test_a_batch_is_acked_only_after_its_commit(runtime: Runtime) -> None:
    stream = FakeStream.of(runtime, [ride(n) for n in range(7)])
    stats = consume(runtime, stream, LIMITS, until_idle=True)
    assert stats.batches == 3
    assert stats.new_events == 7
    assert stream.acked == [ride(n) for n in range(7)]
    # at each ack the store already held the batch being acknowledged
    assert [events for events, _ in stream.stored_at_ack] == [3, 6, 7]


def test_a_failed_import_leaves_the_batch_unacked(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = FakeStream.of(runtime, [ride(n) for n in range(5)])

    def failing(*args: object, **kwargs: object) -> object:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(stream_ingest, "import_event_messages", failing)
    fetched = []
    stats = consume(runtime, stream, LIMITS, stopping=lambda: fetched.append(1) or len(fetched) > 2)
    assert stats.messages == 0
    assert stream.acked == [] and stream.terminated == []
    assert stream.lag() == 5
    monkeypatch.undo()
    stats = consume(runtime, stream, LIMITS, until_idle=True)
    assert stats.new_events == 5
    assert stored(runtime) == (5, 0)


def test_a_message_whose_import_keeps_failing_becomes_a_dead_letter(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    poison = ride(2)
    real = stream_ingest.import_event_messages

    def fault(rt: Runtime, messages: Sequence[StreamMessage], **kwargs: int) -> object:
        if any(message.data == poison for message in messages):
            raise RuntimeError("the import broke on this one")
        return real(rt, messages, **kwargs)

    monkeypatch.setattr(stream_ingest, "import_event_messages", fault)
    stream = FakeStream.of(runtime, [ride(n) for n in range(6)])
    stats = consume(runtime, stream, LIMITS, until_idle=True)
    # the others went through at once; the poison came back until its 3rd delivery
    assert sorted(stream.acked) == sorted(ride(n) for n in range(6) if n != 2)
    assert stream.terminated == [poison]
    assert stats.dead_letters == 1
    assert stats.new_events == 5
    with runtime.db.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT code, line, location, reason, raw FROM quarantine"))
        [(code, line, location, reason, raw)] = list(rows)
    assert (code, line, location, raw) == (
        "dead_letter",
        message_key(3),
        "stream_message",
        poison.decode(),
    )
    assert reason == "the import failed on delivery 3: RuntimeError: the import broke on this one"


@dataclass
class LosingFirstAck(FakeStream):
    """The first acknowledgement never reaches the stream (the consumer died between its
    commit and its ack): that batch comes back, behind the rest, so grouped otherwise."""

    lost: bool = False

    def ack(self, messages: Sequence[StreamMessage]) -> None:
        if self.lost:
            super().ack(messages)
        self.lost = True


def test_a_batch_redelivered_after_its_commit_quarantines_nothing_twice(
    runtime: Runtime,
) -> None:
    messages = [ride(1), b"not json", ride(2), b"[1, 2]", ride(3)]
    stream = LosingFirstAck(runtime, [])
    stream.waiting = FakeStream.of(runtime, messages).waiting
    stats = consume(runtime, stream, LIMITS, until_idle=True)
    assert stats.batches == 3  # [1, 2, 3], [4, 5, 1'], [2', 3'] (' redelivered)
    assert sorted(stream.acked) == sorted(messages)
    assert stats.new_events == 3
    assert stats.rejected == 2
    assert stats.duplicates == 3  # e1 and e2 again, and "not json" already quarantined
    with runtime.db.engine.connect() as conn:
        kept = conn.execute(sa.text("SELECT line, code FROM quarantine ORDER BY line")).all()
    assert [tuple(row) for row in kept] == [
        (message_key(2), "malformed_row"),
        (message_key(4), "malformed_row"),
    ]


def test_unreadable_messages_are_quarantined_and_acked(runtime: Runtime) -> None:
    pretty = json.dumps(json.loads(ride(9)), indent=2).encode()
    oversized = b'{"event_id": "big", "pad": "' + b"x" * 4096 + b'"}'
    messages = [ride(1), b"not json", oversized, pretty, b'{"event_id": "x"}']
    stream = FakeStream.of(runtime, list(messages))
    stats = consume(runtime, stream, LIMITS, until_idle=True)
    assert stream.acked == messages
    assert stats.new_events == 2  # e1, and e9 though pretty-printed over several lines
    assert stats.rejected == 3
    with runtime.db.engine.connect() as conn:
        reasons = [r for (r,) in conn.execute(sa.text("SELECT reason FROM quarantine"))]
    assert any(f"{len(oversized)} bytes; the limit is 2048" in r for r in reasons)
    assert any("not valid JSON" in r for r in reasons)


def test_a_batch_delivered_again_changes_nothing(runtime: Runtime) -> None:
    messages = [ride(n) for n in range(4)] + [b"not json"]
    consume(runtime, FakeStream.of(runtime, list(messages)), LIMITS, until_idle=True)
    once = snapshot(runtime.db.engine)
    again = consume(runtime, FakeStream.of(runtime, list(messages)), LIMITS, until_idle=True)
    assert again.new_events == 0
    assert again.duplicates == 5  # the 4 events and "not json", quarantined once already
    assert again.rejected == 0
    assert snapshot(runtime.db.engine) == once


def test_multi_event_messages_redelivered_regrouped_quarantine_each_bad_line_once(
    runtime: Runtime,
) -> None:
    """Messages of several events: acked only with all their events committed; a bad line is
    kept at its message's sequence and its index, once, though the first batch's ack is lost
    and its messages come back in other batches."""
    packs = [
        b"\n".join([ride(1), b"not json", ride(2)]),
        ride(3),
        b"\n".join([ride(4), ride(5), b"[1, 2]", ride(6)]),
        b"\n".join([b"{broken", ride(7)]),
        ride(1),  # an event of the first message, re-sent alone
    ]
    stream = LosingFirstAck(runtime, [])
    stream.waiting = FakeStream.of(runtime, packs).waiting
    stats = consume(runtime, stream, LIMITS, until_idle=True)
    assert sorted(stream.acked) == sorted(packs)
    assert stats.messages == 8  # the first batch of 3 came back
    assert stats.new_events == 7
    assert stats.rejected == 3
    with runtime.db.engine.connect() as conn:
        kept = conn.execute(sa.text("SELECT line, location FROM quarantine ORDER BY line")).all()
    assert [tuple(row) for row in kept] == [
        (message_key(1, 1), "stream_message"),
        (message_key(3, 2), "stream_message"),
        (message_key(4, 0), "stream_message"),
    ]
    assert stored(runtime) == (7, 3)
