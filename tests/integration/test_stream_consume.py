"""The stream consumer's loop against a stand-in for the stream, on SQLite and PostgreSQL: a
batch is acknowledged only once its import has committed, a failed import acknowledges
nothing, unreadable messages are quarantined and acknowledged, and a batch delivered again
changes nothing."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from saxaul.services import stream_ingest
from saxaul.services.runtime import Runtime
from saxaul.services.stream_ingest import StreamLimits, consume
from tests.integration.totals import snapshot

LIMITS = StreamLimits(batch_size=3, wait_seconds=0.01, max_message_bytes=2048)


def _event(n: int) -> bytes:
    return json.dumps(
        {
            "event_id": f"e{n}",
            "source": "wallet",
            "user_id": "p0000001",
            "behaviour": "metro_ride",
            "occurred_at": "2026-03-01T08:15:00+08:00",
        }
    ).encode()


def _stored(rt: Runtime) -> tuple[int, int]:
    with rt.db.engine.connect() as conn:
        events = conn.execute(sa.text("SELECT COUNT(*) FROM events")).scalar()
        refused = conn.execute(sa.text("SELECT COUNT(*) FROM quarantine")).scalar()
    return int(events or 0), int(refused or 0)


@dataclass
class FakeStream:
    """Messages in order; a fetch hands out the next ones, unacked ones come back once the
    queue is empty (as JetStream redelivers after ``ack_wait``)."""

    rt: Runtime
    waiting: list[bytes]
    held: list[bytes] = field(default_factory=list)
    acked: list[bytes] = field(default_factory=list)
    stored_at_ack: list[tuple[int, int]] = field(default_factory=list)

    def fetch(self, size: int, wait_seconds: float) -> Sequence[bytes]:
        self.waiting.extend(self.held)
        self.held, self.waiting = self.waiting[:size], self.waiting[size:]
        return list(self.held)

    def ack(self) -> None:
        self.stored_at_ack.append(_stored(self.rt))
        self.acked.extend(self.held)
        self.held = []

    def lag(self) -> int:
        return len(self.waiting) + len(self.held)


def test_a_batch_is_acked_only_after_its_commit(runtime: Runtime) -> None:
    stream = FakeStream(runtime, [_event(n) for n in range(7)])
    stats = consume(runtime, stream, LIMITS, until_idle=True)
    assert stats.batches == 3
    assert stats.new_events == 7
    assert stream.acked == [_event(n) for n in range(7)]
    # at each ack the store already held the batch being acknowledged
    assert [events for events, _ in stream.stored_at_ack] == [3, 6, 7]


def test_a_failed_import_leaves_the_batch_unacked(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = FakeStream(runtime, [_event(n) for n in range(5)])

    def failing(*args: object, **kwargs: object) -> object:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(stream_ingest, "import_event_messages", failing)
    with pytest.raises(RuntimeError):
        consume(runtime, stream, LIMITS, until_idle=True)
    assert stream.acked == []
    assert stream.lag() == 5
    monkeypatch.undo()
    stats = consume(runtime, stream, LIMITS, until_idle=True)
    assert stats.new_events == 5
    assert _stored(runtime) == (5, 0)


def test_unreadable_messages_are_quarantined_and_acked(runtime: Runtime) -> None:
    pretty = json.dumps(json.loads(_event(9)), indent=2).encode()
    oversized = b'{"event_id": "big", "pad": "' + b"x" * 4096 + b'"}'
    messages = [_event(1), b"not json", oversized, pretty, b'{"event_id": "x"}']
    stream = FakeStream(runtime, list(messages))
    stats = consume(runtime, stream, LIMITS, until_idle=True)
    assert stream.acked == messages
    assert stats.new_events == 2  # e1, and e9 though pretty-printed over several lines
    assert stats.rejected == 3
    with runtime.db.engine.connect() as conn:
        reasons = [r for (r,) in conn.execute(sa.text("SELECT reason FROM quarantine"))]
    assert any(f"{len(oversized)} bytes; the limit is 2048" in r for r in reasons)
    assert any("not valid JSON" in r for r in reasons)


def test_a_batch_delivered_again_changes_nothing(runtime: Runtime) -> None:
    messages = [_event(n) for n in range(4)] + [b"not json"]
    consume(runtime, FakeStream(runtime, list(messages)), LIMITS, until_idle=True)
    once = snapshot(runtime.db.engine)
    again = consume(runtime, FakeStream(runtime, list(messages)), LIMITS, until_idle=True)
    assert again.new_events == 0
    assert again.duplicates == 4
    assert snapshot(runtime.db.engine) == once
