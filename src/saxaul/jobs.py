"""The scheduled jobs a server runs itself: new awards become balls, balls past expiry expire,
owed trees are batched into planting orders.

Why in the server: otherwise balls appear only if an operator remembers to put ``saxaul energy
mint`` in cron. The jobs are the same service functions the CLI and ``POST /v1/jobs/…`` call
(``services.balls``), so running them here, from cron and by hand at once is safe; but they
are not free, so of all the servers on one database only the holder of ``store.job_lock`` runs
them, and another takes over when it stops.

The cadence is the operator's (``SAXAUL_JOBS_INTERVAL_S``, 300 s by default), not a game rule:
when a ball appears, ripens and expires is stamped on the ball from the rules file
(``packs/rules/energy``), whenever it is minted. The cadence only bounds how long after an
import its balls show up, and how long an expired ball's grams wait before they move to the
``expired`` account (an expired ball can no longer be collected or stolen either way).

The webhook dispatcher (``WebhookDispatcher``) runs beside them on its own, shorter cadence
(``SAXAUL_WEBHOOKS_INTERVAL_S``, 2 s): partners expect events within seconds.

With ``SAXAUL_SERVE_STREAM`` on, the stream consumer (``StreamConsumer``) runs beside them too:
``services.stream_ingest.consume`` on a source the caller opens (the API knows no messaging
client; ``saxaul serve`` hands it the JetStream one), in one process per database.

Example: ``scheduler = Scheduler(rt, interval_s=300); scheduler.start()`` in the app's lifespan,
``scheduler.stop()`` when it ends; a test calls ``scheduler.tick()`` with a fake clock.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager

from saxaul.services.balls import JobResult, expire_balls, mint_balls
from saxaul.services.orders import OrdersCreated, create_orders
from saxaul.services.partitions import ensure_partitions
from saxaul.services.projects import allocate_waiting
from saxaul.services.runtime import Runtime
from saxaul.services.stream_ingest import BatchSource, StreamLimits, StreamStats, consume
from saxaul.services.webhooks import DeliveryStats, DispatchResult, dispatch_until_idle
from saxaul.store.job_lock import JobLock, job_lock

logger = logging.getLogger(__name__)

JobDone = JobResult | OrdersCreated | int | list[str]
"""What one job did: balls minted or expired, orders made, waiting trees placed, or the
partitions made."""

JOBS: tuple[tuple[str, Callable[[Runtime], JobDone]], ...] = (
    ("partitions", ensure_partitions),
    ("mint", mint_balls),
    ("expire", expire_balls),
    ("orders", create_orders),
)
"""Run in this order on every tick: the coming months' partitions exist before anything is
written (PostgreSQL, ``SAXAUL_PARTITION_MONTHS_AHEAD``; nothing on SQLite); a ball minted late
and already past expiry expires at once; owed trees are batched into planting orders
(``services.orders``), one awaiting order per project at a time, so a tick every few minutes
never floods a partner with orders."""

Ran = dict[str, JobDone]
"""What a tick did: each job's result, and with the tree waiting list on, ``"allocate"``:
how many waiting trees got a project."""


class Repeating:
    """A background thread that runs ``tick`` every ``interval_s`` seconds until ``stop``."""

    name = "saxaul-repeating"

    def __init__(self, interval_s: float) -> None:
        self._interval_s = interval_s
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self) -> object:
        """One pass; what it did, for the log."""
        raise NotImplementedError

    def start(self) -> None:
        """Tick now, then every ``interval_s`` seconds, until ``stop``."""
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Finish the running tick and stop."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                done = self.tick()
            except Exception:  # a failed pass is retried on the next tick, not fatal to serving
                logger.exception("%s failed; trying again in %s s", self.name, self._interval_s)
            else:
                self._log(done)
            self._stopping.wait(self._interval_s)

    def _log(self, done: object) -> None:
        logger.debug("%s: %s", self.name, done)


class Scheduler(Repeating):
    """Runs ``JOBS`` every ``interval_s`` seconds on a background thread while holding the lock."""

    name = "saxaul-jobs"

    def __init__(self, rt: Runtime, interval_s: float) -> None:
        super().__init__(interval_s)
        self._rt = rt
        self._lock: JobLock = job_lock(rt.db)

    def tick(self) -> Ran | None:
        """Run every job once if this scheduler holds the lock; ``None`` if another does."""
        if not self._lock.acquire():
            return None
        ran: Ran = {name: job(self._rt) for name, job in JOBS}
        if self._rt.tree_waiting_list:
            ran["allocate"] = allocate_waiting(self._rt)
        return ran

    def stop(self) -> None:
        """Finish the running tick, stop, and let another scheduler take the lock."""
        super().stop()
        self._lock.release()

    def _log(self, done: object) -> None:
        if not isinstance(done, dict):
            logger.debug("scheduled jobs: another server holds the lock")
        else:
            logger.info("scheduled jobs: %s", ", ".join(map(_said, done.items())))


def _said(item: tuple[str, JobDone]) -> str:
    name, result = item
    if isinstance(result, JobResult):
        return f"{name} {result.balls} balls / {result.grams} g"
    if isinstance(result, OrdersCreated):
        return f"{name} {result.orders} orders of {result.trees} trees"
    if isinstance(result, list):
        return f"{name} {len(result)} made"
    return f"{name} {result} waiting trees"


class WebhookDispatcher(Repeating):
    """Delivers the webhook outbox every ``interval_s`` seconds (``SAXAUL_WEBHOOKS_INTERVAL_S``).

    Why in every server process and not only the jobs lock's holder: deliveries are leased one
    by one (``store.webhooks_repo``), so dispatchers never send the same delivery at once, and
    more of them share the work of slow receivers.
    """

    name = "saxaul-webhooks"

    def __init__(self, rt: Runtime, interval_s: float, stats: DeliveryStats) -> None:
        super().__init__(interval_s)
        self._rt = rt
        self.stats = stats

    def tick(self) -> DispatchResult:
        """Fan out and send until nothing is due."""
        done = dispatch_until_idle(self._rt)
        self.stats.add(done)
        return done

    def _log(self, done: object) -> None:
        if isinstance(done, DispatchResult) and done.attempts:
            logger.info(
                "webhooks: %s delivered, %s to retry, %s failed",
                done.sent,
                done.retrying,
                done.failed,
            )


SourceOpener = Callable[[], AbstractContextManager[BatchSource]]
"""Connects to the stream and yields its durable consumer, closed on leaving."""


class StreamConsumer(Repeating):
    """Consumes the stream on a background thread while this process holds the stream lock.

    Why one consumer per database, not one per server process: every import takes the ingest
    lock, so a second consumer's batches would only wait for the first's, and the durable
    consumer lets at most one batch be unacknowledged at a time (its ``max_ack_pending`` is
    the batch size), so a second fetcher would get nothing while the first holds a batch. The
    others stand by, checking the lock every ``retry_s`` seconds, and one takes over when the
    holder stops or dies. Two consumers at once (a manual ``saxaul ingest stream`` beside the
    server) would still be correct: the stream shares the messages and the import is
    idempotent.

    ``stop`` lets the batch being imported commit and be acknowledged, then closes the
    connection: nothing is lost or repeated; a process killed mid-batch rolls it back and
    the stream delivers it again after its ack wait.
    """

    name = "saxaul-stream"

    def __init__(
        self, rt: Runtime, open_source: SourceOpener, limits: StreamLimits, retry_s: float
    ) -> None:
        super().__init__(retry_s)
        self._rt = rt
        self._open_source = open_source
        self._limits = limits
        self._lock: JobLock = job_lock(rt.db, "stream")
        self._consumed = False
        self.totals = StreamStats()

    @property
    def stats(self) -> StreamStats | None:
        """What this process's consumer has done, or ``None`` if it has only stood by (its
        metrics would be zeros beside the holder's)."""
        return self.totals if self._consumed else None

    def tick(self) -> StreamStats | None:
        """Consume until ``stop`` if this process holds the lock; ``None`` if another does."""
        if not self._lock.acquire():
            return None
        self._consumed = True
        with self._open_source() as source:
            logger.info("stream consumer: consuming %s", source.stream)
            return consume(
                self._rt, source, self._limits, stats=self.totals, stopping=self.stopping
            )

    def stopping(self) -> bool:
        """Whether ``stop`` was called (the loop checks between two batches)."""
        return self._stopping.is_set()

    def stop(self) -> None:
        """Let the batch in hand commit and be acknowledged, stop, and give up the lock."""
        super().stop()
        self._lock.release()

    def _log(self, done: object) -> None:
        if done is None:
            logger.debug("stream consumer: another server holds the stream lock")
