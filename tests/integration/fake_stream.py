"""A stand-in for a stream's durable consumer (``services.stream_ingest.BatchSource``), for
the consumer loop's tests and the server's: no NATS, the same redelivery rules."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import sqlalchemy as sa

from saxaul.services.runtime import Runtime
from saxaul.services.stream_ingest import StreamMessage


def stored(rt: Runtime) -> tuple[int, int]:
    """Events stored and rows quarantined."""
    with rt.db.engine.connect() as conn:
        events = conn.execute(sa.text("SELECT COUNT(*) FROM events")).scalar()
        refused = conn.execute(sa.text("SELECT COUNT(*) FROM quarantine")).scalar()
    return int(events or 0), int(refused or 0)


@dataclass
class FakeStream:
    """Messages in order, numbered from 1 as a stream does; a fetch hands out the next ones,
    unacked ones come back once the queue is empty, their delivery count one higher (as
    JetStream redelivers after ``ack_wait``)."""

    rt: Runtime
    waiting: list[StreamMessage]
    held: list[StreamMessage] = field(default_factory=list)
    acked: list[bytes] = field(default_factory=list)
    terminated: list[bytes] = field(default_factory=list)
    stored_at_ack: list[tuple[int, int]] = field(default_factory=list)
    stream: str = "events"

    @classmethod
    def of(cls, rt: Runtime, messages: list[bytes]) -> FakeStream:
        return cls(rt, [StreamMessage(data, n) for n, data in enumerate(messages, start=1)])

    @contextmanager
    def opened(self) -> Iterator[FakeStream]:
        """As a server opens its source (``jobs.SourceOpener``)."""
        yield self

    def fetch(self, size: int, wait_seconds: float) -> Sequence[StreamMessage]:
        if not self.waiting and not self.held:
            time.sleep(wait_seconds)  # as a fetch waits for messages that do not come
        self.waiting.extend(
            dataclasses.replace(message, deliveries=message.deliveries + 1) for message in self.held
        )
        self.held, self.waiting = self.waiting[:size], self.waiting[size:]
        return list(self.held)

    def ack(self, messages: Sequence[StreamMessage]) -> None:
        self.stored_at_ack.append(stored(self.rt))
        self._answer(messages, self.acked)

    def terminate(self, messages: Sequence[StreamMessage]) -> None:
        self._answer(messages, self.terminated)

    def _answer(self, messages: Sequence[StreamMessage], into: list[bytes]) -> None:
        for message in messages:
            self.held.remove(message)
            into.append(message.data)

    def lag(self) -> int:
        return len(self.waiting) + len(self.held)
