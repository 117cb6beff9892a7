"""The composition root: the only place that knows every concrete part.

``bootstrap(settings)`` makes the engine, migrates the database, loads the shipped methodology
packs, picks the active ones and which of them scores each shared activity, and registers them
(immutable per id@version). Nothing here runs
at import time; the API builds it in its lifespan, the CLI per command, tests per fixture.
"""

from __future__ import annotations

from saxaul.config import Settings
from saxaul.domain.clock import Clock
from saxaul.services.methodology import active_programme, register_packs
from saxaul.services.runtime import Runtime, SystemClock
from saxaul.services.schema import migrate


def bootstrap(settings: Settings, *, clock: Clock | None = None) -> Runtime:
    """Build the runtime the use cases share."""
    engine = migrate(settings.database_url)
    programme = active_programme(settings.packs, settings.activity_packs)
    rt = Runtime(
        database_url=settings.database_url,
        engine=engine,
        clock=clock or SystemClock(),
        packs=programme.packs,
        choices=programme.choices,
        chunk_rows=settings.chunk_rows,
    )
    register_packs(rt)
    return rt
