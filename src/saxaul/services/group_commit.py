"""Group commit: concurrent requests of one process gathered into shared transactions.

Why: a request played alone pays a whole transaction — the statements that lock and read what
it needs, and a commit — while a batch of a hundred pays about the same statements once when
its work reads set-wise (``game.play_in`` does): the ledger benchmark plays batches of 100 moves
at ten times the moves per second of single moves. So requests that arrive while a batch runs
wait and form the next batch, and each still gets its own answer or its own error.

How, without a thread of its own: requests queue on a ``GroupCommit``; whichever waiting request
finds no batch running plays everything queued (its own request among them) through the batch
function it was given, then wakes the others with their results. A lone request on an idle
server is played at once; under load, batches grow with the load, up to ``max_items``.
``window_s`` (0 by default) lets the first request of an idle server wait for company.

What it guarantees to its callers, whatever the batch function:

- results in order: each item gets the result at its own position;
- *one bad item never fails its neighbours*: when the batch function raises, its items are run
  again one by one, so the exception reaches only the item that causes it (the batch function
  must therefore be safe to run again: a ``Database.write`` unit of work that rolled back is);
- items with the same ``key`` never share a batch: the later one waits for the next batch, where
  it sees what the first one committed (an idempotency key's stored answer).

Every submitter of one ``GroupCommit`` passes an equivalent ``run`` (the runtime's moves are
all played by ``game_batch.play_together``): whichever request leads plays the others' items
with its own.

Example: ``gc.submit(item, run=lambda batch: [answer(i) for i in batch], key=None)`` from 32
threads runs a few batches; ``gc.stats`` counts them.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

RunBatch = Callable[[Sequence[T]], Sequence[R | Exception]]
"""Plays a batch: one result per item, in order — an answer, or the exception for that item."""


@dataclass(eq=False, slots=True)
class _Waiting(Generic[T, R]):
    """One submitted item waiting for its batch (or its turn to lead), then its result."""

    item: T
    key: Hashable | None
    result: R | None = None
    error: BaseException | None = None
    done: bool = False
    lead: bool = False
    """Set when the batch before hands this item's submitter the next batch to run."""
    leading: bool = False
    """Set while a batch this submitter leads is running (in whatever thread)."""
    notify: Callable[[], None] = lambda: None
    """Wakes the submitter (a thread's event, or an event loop's) to look at ``done`` and
    ``lead``; called from whichever thread ran the batch."""

    def settle(self, result: R | BaseException) -> None:
        if isinstance(result, BaseException):
            self.error = result
        else:
            self.result = result
        self.done = True
        self.notify()

    def outcome(self) -> R:
        if self.error is not None:
            raise self.error
        return self.result  # type: ignore[return-value]  # settled: a result, not None


@dataclass(slots=True)
class BatchStats:
    """What one group commit has done in this process (for metrics and tests)."""

    batches: int = 0
    items: int = 0
    largest: int = 0
    run_alone: int = 0
    """Items run again one by one after their batch raised."""


@dataclass(eq=False)
class GroupCommit(Generic[T, R]):
    """One process's queue of requests of one kind, and the one batch that may run at a time.

    Why each waiter sleeps on its own event: when a batch ends, only its items' submitters and
    the one that leads the next batch wake up — not every waiting thread (with a shared
    condition, each batch would wake them all to find most of them still waiting). Threads
    (``submit``) and coroutines (``submit_async``) may share one queue.
    """

    window_s: float = 0.0
    """How long the first request of an idle server waits for others before playing."""
    max_items: int = 256
    """Most items in one batch: bounds its locks, its statements and its latency."""
    concurrency: int = 1
    """Batches that may run at once. More than one lets a batch be played while another waits
    for its commit (PostgreSQL); on SQLite, where writers queue anyway, one is enough."""
    stats: BatchStats = field(default_factory=BatchStats)
    _queue: list[_Waiting[T, R]] = field(default_factory=list)
    _leaders: int = 0
    _keys_in_flight: set[Hashable] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def submit(self, item: T, run: RunBatch[T, R], key: Hashable | None = None) -> R:
        """``item``'s result once its batch has run (``run`` runs the batch); raise its error."""
        wake = threading.Event()
        waiting = self._enqueue(item, key, wake.set)
        gather = waiting.lead and self.window_s > 0
        while not waiting.done:
            if not waiting.lead:
                wake.wait()
                wake.clear()
                continue
            if gather:
                time.sleep(self.window_s)
                gather = False
            self._lead(run, waiting)
        return waiting.outcome()

    async def submit_async(self, item: T, run: RunBatch[T, R], key: Hashable | None = None) -> R:
        """``submit`` for a caller on an event loop: it waits without holding a thread, and only
        a request that leads a batch borrows one (the loop's default executor) to run it.

        Why: an HTTP server on an event loop would otherwise hand every request to a worker
        thread just to wait there; a thread hop per batch instead of per request is most of
        what a served move costs besides its share of the batch.
        """
        loop = asyncio.get_running_loop()
        wake = asyncio.Event()

        def notify() -> None:
            loop.call_soon_threadsafe(wake.set)

        waiting = self._enqueue(item, key, notify)
        gather = waiting.lead and self.window_s > 0
        try:
            while not waiting.done:
                if not waiting.lead:
                    await wake.wait()
                    wake.clear()
                    continue
                if gather:
                    await asyncio.sleep(self.window_s)
                    gather = False
                await asyncio.to_thread(self._lead, run, waiting)
        except asyncio.CancelledError:
            self._abandon(waiting)
            raise
        return waiting.outcome()

    def _abandon(self, waiting: _Waiting[T, R]) -> None:
        """A cancelled submitter's item leaves the queue, and the lead it holds passes on (a
        batch it leads that is still running passes it on when it ends)."""
        with self._lock:
            if waiting in self._queue:
                self._queue.remove(waiting)
            if not waiting.lead or waiting.leading:
                return
            waiting.lead = False
            successor = self._pass_lead()
        if successor is not None:
            successor.notify()

    def _pass_lead(self) -> _Waiting[T, R] | None:
        """Under the lock: make the first queued item not leading yet the next leader, or give
        the lead up when there is none; returns the item whose submitter must be woken."""
        successor = next((w for w in self._queue if not w.lead), None)
        if successor is None:
            self._leaders -= 1
        else:
            successor.lead = True
        return successor

    def _enqueue(self, item: T, key: Hashable | None, notify: Callable[[], None]) -> _Waiting[T, R]:
        """Queue ``item``; it leads the next batch when none is running."""
        waiting: _Waiting[T, R] = _Waiting(item, key, notify=notify)
        with self._lock:
            self._queue.append(waiting)
            if self._leaders < self.concurrency:
                self._leaders += 1
                waiting.lead = True
        return waiting

    def _lead(self, run: RunBatch[T, R], leader: _Waiting[T, R]) -> None:
        """Run the next batch, then hand the lead to the first queued item not leading yet (the
        leader keeps it while its own item is still queued). With nothing it may take — every
        queued item's key is in a batch in flight — it gives the lead up and waits."""
        with self._lock:
            batch = self._take()
            if not batch:
                leader.lead = False
                self._leaders -= 1
                return
            leader.leading = True
        try:
            self._run(batch, run)
        except BaseException as error:  # interrupted: no item may wait for ever
            with self._lock:
                if leader in self._queue:  # its submitter leaves: another one leads
                    self._queue.remove(leader)
            for other in (*batch, leader):
                if not other.done:
                    other.settle(error)
            raise
        finally:
            with self._lock:
                self._keys_in_flight.difference_update(w.key for w in batch)
                leader.leading = False
                leader.lead = not leader.done and leader in self._queue
                successor = None if leader.lead else self._pass_lead()
            if successor is not None:
                successor.notify()

    def _take(self) -> list[_Waiting[T, R]]:
        """The next batch: queued items in order, at most ``max_items``, never two with the
        same key, nor one whose key is in a batch in flight (it waits for a later batch)."""
        batch: list[_Waiting[T, R]] = []
        left: list[_Waiting[T, R]] = []
        taken = self._keys_in_flight
        for waiting in self._queue:
            if len(batch) >= self.max_items or (waiting.key is not None and waiting.key in taken):
                left.append(waiting)
                continue
            if waiting.key is not None:
                taken.add(waiting.key)
            batch.append(waiting)
        self._queue = left
        return batch

    def _run(self, batch: Sequence[_Waiting[T, R]], run: RunBatch[T, R]) -> None:
        """Run ``batch`` at once; if that raises, each item alone, so only its cause fails."""
        try:
            results = run([waiting.item for waiting in batch])
        except Exception as error:
            if len(batch) == 1:
                batch[0].settle(error)
                return
            with self._lock:
                self.stats.run_alone += len(batch)
            for waiting in batch:
                self._run([waiting], run)
            return
        with self._lock:  # batches may end side by side
            self.stats.batches += 1
            self.stats.items += len(batch)
            self.stats.largest = max(self.stats.largest, len(batch))
        for waiting, result in zip(batch, results, strict=True):
            waiting.settle(result)
