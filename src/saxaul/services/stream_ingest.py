"""Consume live events from a message stream exactly once: fetch a batch, import it in one
transaction, and only then acknowledge it.

Why this order is enough: a consumer killed before its commit never acknowledged the batch,
so the stream delivers it again, and the import deduplicates every event by (source,
event_id) — the second delivery changes nothing; killed between commit and acknowledgement,
the same holds. A message that is not JSON or too large is quarantined by the import with the
reason and acknowledged with the rest, so it never blocks the stream. Back-pressure is the
fetch size: at most ``batch_size`` messages are held at once, and the next fetch waits for
this batch's commit.

This module knows no messaging client: ``BatchSource`` is what it needs of one, and the
NATS JetStream adapter lives beside the command that runs it (``cli.jetstream``).

Example: ``consume(rt, source, StreamLimits(batch_size=1000, wait_seconds=1.0,
max_message_bytes=65536), until_idle=True)`` → ``StreamStats(batches=40, messages=40_000,
new_events=39_000, duplicates=700, rejected=300, lag=0, …)``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from saxaul.ingest.messages import FileMessage, iter_file_messages
from saxaul.services.imports import ImportSummary, import_event_messages
from saxaul.services.runtime import Runtime

__all__ = [
    "BatchSource",
    "FileMessage",
    "StreamLimits",
    "StreamStats",
    "consume",
    "file_messages",
]


class BatchSource(Protocol):
    """A durable consumer of a stream, as the loop uses it."""

    def fetch(self, size: int, wait_seconds: float) -> Sequence[bytes]:
        """Up to ``size`` messages, waiting at most ``wait_seconds``; empty when none came."""
        ...

    def ack(self) -> None:
        """Acknowledge every message of the last fetch (they will not be delivered again)."""
        ...

    def lag(self) -> int:
        """Messages not yet acknowledged: waiting in the stream plus delivered and unacked."""
        ...


@dataclass(frozen=True, slots=True)
class StreamLimits:
    """How much one fetch may take and wait (``SAXAUL_STREAM_*`` settings)."""

    batch_size: int
    wait_seconds: float
    max_message_bytes: int


@dataclass(slots=True)
class StreamStats:
    """What a consumer has done so far, for its progress line and its metrics."""

    batches: int = 0
    messages: int = 0
    new_events: int = 0
    duplicates: int = 0
    rejected: int = 0
    energy_g: int = 0
    lag: int = 0
    busy_seconds: float = 0.0
    """Time spent importing (fetch waits excluded): throughput is messages over this."""
    last: ImportSummary | None = field(default=None, repr=False)

    @property
    def messages_per_second(self) -> float:
        """Throughput while there was work."""
        return self.messages / self.busy_seconds if self.busy_seconds else 0.0

    def add(self, messages: int, summary: ImportSummary, seconds: float) -> None:
        """Count one committed batch."""
        self.batches += 1
        self.messages += messages
        self.new_events += summary.new_events
        self.duplicates += summary.duplicates
        self.rejected += summary.rejected
        self.energy_g += summary.energy_g
        self.busy_seconds += seconds
        self.last = summary


def consume(
    rt: Runtime,
    source: BatchSource,
    limits: StreamLimits,
    *,
    until_idle: bool = False,
    progress: Callable[[StreamStats], None] | None = None,
) -> StreamStats:
    """Import batch after batch; with ``until_idle``, return once the stream is drained (an
    empty fetch and nothing unacknowledged), else run until interrupted."""
    stats = StreamStats()
    while True:
        messages = source.fetch(limits.batch_size, limits.wait_seconds)
        if not messages:
            stats.lag = source.lag()
            if until_idle and stats.lag == 0:
                return stats
            continue
        started = time.perf_counter()
        summary = import_event_messages(rt, messages, max_message_bytes=limits.max_message_bytes)
        source.ack()  # only after the commit: a crash before it means redelivery, not loss
        stats.add(len(messages), summary, time.perf_counter() - started)
        stats.lag = source.lag()
        if progress:
            progress(stats)


def file_messages(path: Path) -> Iterator[FileMessage]:
    """The rows of a CSV or NDJSON events file, one message each (``saxaul events publish``)."""
    return iter_file_messages(path)
