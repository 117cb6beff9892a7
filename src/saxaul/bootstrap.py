"""The composition root: the only place that knows every concrete part.

``bootstrap(settings)`` opens and migrates the database, loads the shipped methodology
packs, picks the active ones and which of them scores each shared activity, and registers them
(immutable per id@version); then it seeds the default projects catalogue's partners and
projects where they are absent, so every species can be planted on a fresh instance. Nothing
here runs at import time; the API builds it in its lifespan, the CLI per command, tests per
fixture.
"""

from __future__ import annotations

import os
from pathlib import Path

from saxaul.catalogue import shipped_energy_rules
from saxaul.config import Settings
from saxaul.domain.clock import Clock
from saxaul.domain.game_rules import EnergyRules
from saxaul.services.auth_cache import AuthCache
from saxaul.services.group_commit import GroupCommit
from saxaul.services.instance_keys import InstanceKeys
from saxaul.services.methodology import active_programme, register_packs
from saxaul.services.projects import seed_catalogue
from saxaul.services.runtime import Runtime, SystemClock
from saxaul.services.schema import migrate
from saxaul.services.stream_ingest import StreamLimits
from saxaul.store.engine import is_sqlite


def energy_rules() -> EnergyRules:
    """The game rules a bootstrapped runtime plays by: the newest shipped version."""
    return shipped_energy_rules()


def bootstrap(settings: Settings, *, clock: Clock | None = None) -> Runtime:
    """Build the runtime the use cases share."""
    db = migrate(settings.database_url)
    programme = active_programme(settings.packs, settings.activity_packs)
    lifetime_us = round(settings.auth_cache_s * 1_000_000)
    rt = Runtime(
        db=db,
        clock=clock or SystemClock(),
        packs=programme.packs,
        choices=programme.choices,
        chunk_rows=settings.chunk_rows,
        import_lease_seconds=settings.import_lease_seconds,
        rules=energy_rules(),
        moves=GroupCommit(
            window_s=settings.group_commit_window_ms / 1000,
            max_items=settings.group_commit_max_moves,
            concurrency=settings.group_commit_batches or (1 if db.one_writer else 2),
        ),
        sessions=AuthCache(lifetime_us, settings.auth_cache_entries),
        operator_keys=AuthCache(lifetime_us, settings.auth_cache_entries),
        keys=InstanceKeys(Path(settings.signing_key_file)),
        tree_waiting_list=settings.tree_waiting_list,
        report_min_cell=settings.report_min_cell,
        report_epsilon=settings.report_epsilon,
        raw_event_retention_days=settings.raw_event_retention_days,
        partition_months_ahead=settings.partition_months_ahead,
        webhooks=settings.webhook_policy(),
    )
    register_packs(rt)
    seed_catalogue(rt, settings.projects)
    return rt


def server_workers(settings: Settings) -> int:
    """How many processes ``saxaul serve`` runs: the configured number, or one per core on
    PostgreSQL and one on SQLite (``Settings.workers`` says why)."""
    if settings.workers is not None:
        return settings.workers
    if is_sqlite(settings.database_url):
        return 1
    return os.cpu_count() or 1


def stream_limits(settings: Settings, *, batch: int | None = None) -> StreamLimits:
    """How much a stream consumer fetches and waits, and how often a message may fail, from
    ``SAXAUL_STREAM_*`` (``batch`` overrides ``stream_batch``): one reading for ``saxaul
    ingest stream`` and the server's consumer."""
    return StreamLimits(
        batch_size=batch or settings.stream_batch,
        wait_seconds=settings.stream_fetch_wait_seconds,
        max_message_bytes=settings.stream_max_message_bytes,
        max_deliver=settings.stream_max_deliver,
    )
