"""Consume live events from a message stream exactly once: fetch a batch, import it in one
transaction, and only then acknowledge it.

Why this order is enough: a consumer killed before its commit never acknowledged the batch,
so the stream delivers it again, and the import deduplicates every event by (source,
event_id) — the second delivery changes nothing; killed between commit and acknowledgement,
the same holds, and a line the first delivery quarantined is not quarantined again: it is
kept under the stream's standing import at its message's stream sequence and its index in the
message (``stream_quarantine``), not under the batch. A message carries one event or many
(NDJSON, ``ingest.messages``), all committed before the message is acknowledged; a line that
is not JSON, or a message too large, is quarantined by the import with the reason and
acknowledged with the rest, so it never blocks the stream. Back-pressure is the fetch size:
at most ``batch_size`` messages are held at once, and the next fetch waits for this batch's
commit.

A batch whose import raises is imported again message by message, so one message that breaks
the import itself does not hold the others back; a message that fails alone is left
unacknowledged (the stream delivers it again after its ack wait) until its ``max_deliver``-th
delivery, when it is quarantined ``dead_letter`` with the error and terminated: set aside,
logged, and no longer in the stream's way.

This module knows no messaging client: ``BatchSource`` is what it needs of one, and the
NATS JetStream adapter lives beside the command that runs it (``cli.jetstream``).

Example: ``consume(rt, source, StreamLimits(batch_size=1000, wait_seconds=1.0,
max_message_bytes=65536, max_deliver=5), until_idle=True)`` → ``StreamStats(batches=40,
messages=400, events=40_000, new_events=39_000, duplicates=700, rejected=300, lag=0, …)``.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from saxaul.domain.clock import to_us
from saxaul.domain.events import RejectCode, Rejection
from saxaul.ingest.messages import FileMessage, StreamMessage, iter_file_messages, message_key
from saxaul.ingest.pieces import clip
from saxaul.services.event_chunks import STREAM_MESSAGE
from saxaul.services.imports import ImportSummary, import_event_messages
from saxaul.services.runtime import Runtime
from saxaul.store import ingest_repo as repo
from saxaul.store.uow import bulk_transaction

__all__ = [
    "BatchSource",
    "FileMessage",
    "StreamLimits",
    "StreamMessage",
    "StreamStats",
    "consume",
    "dead_letter",
    "file_messages",
    "stream_quarantine",
]

logger = logging.getLogger(__name__)

STREAM_MESSAGES = "stream-messages"
"""The kind of a stream's standing import, which holds the stream's quarantined messages."""


class BatchSource(Protocol):
    """A durable consumer of a stream, as the loop uses it."""

    @property
    def stream(self) -> str:
        """The stream's name: with a message's sequence, what names the message for good."""
        ...

    def fetch(self, size: int, wait_seconds: float) -> Sequence[StreamMessage]:
        """Up to ``size`` messages, waiting at most ``wait_seconds``; empty when none came."""
        ...

    def ack(self, messages: Sequence[StreamMessage]) -> None:
        """Acknowledge these messages of the last fetch (they will not be delivered again)."""
        ...

    def terminate(self, messages: Sequence[StreamMessage]) -> None:
        """Tell the stream never to deliver these messages again (they are dead letters)."""
        ...

    def lag(self) -> int:
        """Messages not yet acknowledged: waiting in the stream plus delivered and unacked."""
        ...


@dataclass(frozen=True, slots=True)
class StreamLimits:
    """How much one fetch may take and wait, and how often a message may fail its import
    (``SAXAUL_STREAM_*`` settings)."""

    batch_size: int
    wait_seconds: float
    max_message_bytes: int
    max_deliver: int = 5


@dataclass(slots=True)
class StreamStats:
    """What a consumer has done so far, for its progress line and its metrics."""

    batches: int = 0
    messages: int = 0
    events: int = 0
    """Lines read from the messages (events, good or bad): a message may carry many."""
    new_events: int = 0
    duplicates: int = 0
    rejected: int = 0
    dead_letters: int = 0
    energy_g: int = 0
    lag: int = 0
    busy_seconds: float = 0.0
    """Time spent importing (fetch waits excluded): throughput is messages over this."""
    last: ImportSummary | None = field(default=None, repr=False)

    @property
    def messages_per_second(self) -> float:
        """Throughput while there was work."""
        return self.messages / self.busy_seconds if self.busy_seconds else 0.0

    @property
    def events_per_second(self) -> float:
        """Throughput in events (lines) while there was work."""
        return self.events / self.busy_seconds if self.busy_seconds else 0.0

    def add(self, messages: int, summary: ImportSummary, seconds: float) -> None:
        """Count one committed batch."""
        self.batches += 1
        self.messages += messages
        self.events += summary.rows_read
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
    stats: StreamStats | None = None,
    stopping: Callable[[], bool] | None = None,
) -> StreamStats:
    """Import batch after batch into ``stats`` (a fresh one by default); with
    ``until_idle``, return once the stream is drained (an empty fetch and nothing
    unacknowledged), else until ``stopping()`` is true between two batches: a batch being
    imported is committed and acknowledged first, so stopping loses and repeats nothing."""
    stats = StreamStats() if stats is None else stats
    quarantine_id = stream_quarantine(rt, source.stream)
    while not (stopping and stopping()):
        messages = source.fetch(limits.batch_size, limits.wait_seconds)
        if not messages:
            stats.lag = source.lag()
            if until_idle and stats.lag == 0:
                break
            continue
        started = time.perf_counter()
        try:
            summary = import_event_messages(
                rt,
                messages,
                quarantine_id=quarantine_id,
                max_message_bytes=limits.max_message_bytes,
            )
        except Exception as exc:
            if len(messages) == 1:
                _failed_alone(rt, source, messages[0], exc, quarantine_id, limits, stats)
            else:
                logger.exception(
                    "a batch of %s messages failed its import; importing them one by one",
                    len(messages),
                )
                _one_by_one(rt, source, messages, quarantine_id, limits, stats)
        else:
            source.ack(messages)  # only after the commit: a crash before it means redelivery
            stats.add(len(messages), summary, time.perf_counter() - started)
        stats.lag = source.lag()
        if progress:
            progress(stats)
        if until_idle and stats.lag == 0:
            break  # drained: an empty fetch would only wait out ``wait_seconds`` to say so
    return stats


def _one_by_one(
    rt: Runtime,
    source: BatchSource,
    messages: Sequence[StreamMessage],
    quarantine_id: int,
    limits: StreamLimits,
    stats: StreamStats,
) -> None:
    """Each message in a transaction of its own: the ones that import are acknowledged, a
    failing one is left for redelivery, or on its ``max_deliver``-th delivery set aside."""
    left: list[StreamMessage] = []
    for message in messages:
        started = time.perf_counter()
        try:
            summary = import_event_messages(
                rt,
                [message],
                quarantine_id=quarantine_id,
                max_message_bytes=limits.max_message_bytes,
            )
        except Exception as exc:
            if not _failed_alone(rt, source, message, exc, quarantine_id, limits, stats):
                left.append(message)
            continue
        source.ack([message])
        stats.add(1, summary, time.perf_counter() - started)
    if left:
        logger.warning(
            "stream %s: %s messages failed their import alone (sequences %s…); left for "
            "redelivery after the ack wait",
            source.stream,
            len(left),
            ", ".join(str(message.sequence) for message in left[:5]),
        )


def _failed_alone(
    rt: Runtime,
    source: BatchSource,
    message: StreamMessage,
    error: Exception,
    quarantine_id: int,
    limits: StreamLimits,
    stats: StreamStats,
) -> bool:
    """Set ``message`` aside if this was its last delivery allowed (True), else leave it
    unacknowledged for the stream to deliver again (False)."""
    if message.deliveries < limits.max_deliver:
        logger.warning(
            "stream %s message %s failed its import on delivery %s of %s: %s",
            source.stream,
            message.sequence,
            message.deliveries,
            limits.max_deliver,
            error,
        )
        return False
    dead_letter(rt, quarantine_id, message, error)
    source.terminate([message])
    stats.dead_letters += 1
    logger.error(
        "stream %s message %s failed its import on delivery %s of %s: quarantined "
        "dead_letter and terminated: %s",
        source.stream,
        message.sequence,
        message.deliveries,
        limits.max_deliver,
        error,
    )
    return True


def stream_quarantine(rt: Runtime, stream: str) -> int:
    """The id of the standing import holding ``stream``'s quarantined messages (named
    ``stream <name>``, each row's ``line`` its message's stream sequence and its index in the
    message, ``ingest.messages.message_key``), made on first use."""
    digest = hashlib.sha256(f"stream:{stream}".encode()).hexdigest()
    with rt.db.bulk() as bulk, bulk_transaction(bulk):
        return repo.standing_import(
            bulk, STREAM_MESSAGES, digest, f"stream {stream}", to_us(rt.clock.now())
        )


def dead_letter(
    rt: Runtime, quarantine_id: int, message: StreamMessage, error: BaseException
) -> bool:
    """Quarantine ``message`` as ``dead_letter`` with ``error``; False if it was quarantined
    before (by an earlier delivery), which is kept."""
    rejection = Rejection(
        message_key(message.sequence),
        RejectCode.DEAD_LETTER,
        clip(
            f"the import failed on delivery {message.deliveries}: "
            f"{error.__class__.__name__}: {error}"
        ),
        clip(message.data.decode("utf-8", errors="replace")),
    )
    now_us = to_us(rt.clock.now())
    with rt.db.bulk() as bulk, bulk_transaction(bulk):
        frame = repo.quarantine_frame(quarantine_id, [rejection], STREAM_MESSAGE, now_us)
        return repo.quarantine_rows(bulk, frame) == 1


def file_messages(
    path: Path, *, per_message: int = 1, max_message_bytes: int | None = None
) -> Iterator[FileMessage]:
    """The rows of a CSV or NDJSON events file, ``per_message`` to a message and each message
    within ``max_message_bytes`` (``saxaul events publish``)."""
    return iter_file_messages(path, per_message=per_message, max_message_bytes=max_message_bytes)
