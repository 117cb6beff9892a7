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

Example: ``scheduler = Scheduler(rt, interval_s=300); scheduler.start()`` in the app's lifespan,
``scheduler.stop()`` when it ends; a test calls ``scheduler.tick()`` with a fake clock.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from saxaul.services.balls import expire_balls, mint_balls
from saxaul.services.orders import create_orders
from saxaul.services.runtime import Runtime
from saxaul.store.job_lock import JobLock, job_lock

logger = logging.getLogger(__name__)

JOBS: tuple[tuple[str, Callable[[Runtime], object]], ...] = (
    ("mint", mint_balls),
    ("expire", expire_balls),
    ("orders", create_orders),
)
"""Run in this order on every tick: a ball minted late and already past expiry expires at once;
owed trees are batched into planting orders (``services.orders``), one awaiting order per
project at a time, so a tick every few minutes never floods a partner with orders."""


class Scheduler:
    """Runs ``JOBS`` every ``interval_s`` seconds on a background thread while holding the lock."""

    def __init__(self, rt: Runtime, interval_s: float) -> None:
        self._rt = rt
        self._interval_s = interval_s
        self._lock: JobLock = job_lock(rt.db)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self) -> dict[str, object] | None:
        """Run every job once if this scheduler holds the lock; ``None`` if another does."""
        if not self._lock.acquire():
            return None
        return {name: job(self._rt) for name, job in JOBS}

    def start(self) -> None:
        """Tick now, then every ``interval_s`` seconds, until ``stop``."""
        self._thread = threading.Thread(target=self._run, name="saxaul-jobs", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Finish the running tick, stop, and let another scheduler take the lock."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._lock.release()

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                done = self.tick()
            except Exception:  # a failed pass is retried on the next tick, not fatal to serving
                logger.exception("scheduled jobs failed; trying again in %s s", self._interval_s)
            else:
                if done is None:
                    logger.debug("scheduled jobs: another server holds the lock")
                else:
                    logger.info(
                        "scheduled jobs: %s",
                        ", ".join(f"{name} {result}" for name, result in done.items()),
                    )
            self._stopping.wait(self._interval_s)
