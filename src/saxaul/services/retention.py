"""Raw-event retention: payment details and quarantined rows kept no longer than needed.

Why: an event's amount, currency, merchant category and attributes are payment details of a
person; once the event is scored and past the window a refund or chargeback may still arrive,
nothing needs them (PIPL art. 19, GDPR art. 5(1)(e)). ``saxaul retention run`` (or
``POST /v1/jobs/retention``) nulls them on events that occurred before the window
(``SAXAUL_RAW_EVENT_RETENTION_DAYS``, 180 days by default), keeping what scoring provenance
needs — the same rule as erasure (``store.erasure_repo.PAYMENT_COLUMNS``) — and deletes
quarantined rows kept before it (a refused raw row may carry a user id and payment details).

Why in chunks of ``CHUNK_ROWS``: a big store has millions of old events; each chunk is its own
short transaction, so imports and moves wait for one chunk at most, and a run stopped midway
leaves the rest for the next. A second run finds nothing left: it is idempotent.

Limit: a methodology rescoring reads stored events; one past the window has no payment details
left, so a rule needing them sees them as missing.

Example: ``run_retention(rt)`` → ``Retention(before=…, events_stripped=1200,
quarantine_deleted=3)``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from saxaul.domain.clock import to_us
from saxaul.services.runtime import Runtime
from saxaul.store import erasure_repo

CHUNK_ROWS = 10_000
"""Rows changed per transaction (a tuning of lock time, not a policy)."""


@dataclass(frozen=True, slots=True)
class Retention:
    """What a retention run did: the cut-off instant and rows changed."""

    before: dt.datetime
    events_stripped: int
    quarantine_deleted: int


def run_retention(rt: Runtime, *, chunk_rows: int = CHUNK_ROWS) -> Retention:
    """Strip events and delete quarantined rows older than the retention window."""
    before = rt.clock.now() - dt.timedelta(days=rt.raw_event_retention_days)
    before_us = to_us(before)
    stripped = _in_chunks(
        rt, lambda conn: erasure_repo.strip_old_events(conn, before_us, chunk_rows), chunk_rows
    )
    deleted = _in_chunks(
        rt, lambda conn: erasure_repo.delete_old_quarantine(conn, before_us, chunk_rows), chunk_rows
    )
    return Retention(before, stripped, deleted)


def _in_chunks(rt: Runtime, step: erasure_repo.Step, chunk_rows: int) -> int:
    """Run ``step`` in transactions until one changes fewer than ``chunk_rows`` rows."""
    total = 0
    while True:
        changed = rt.db.write(step)
        total += changed
        if changed < chunk_rows:
            return total
