"""What every use case needs, built once by ``bootstrap`` and passed in (never imported globally).

Why a plain dataclass: the API, the CLI, the simulator and the tests build the same thing the
same way, and a test swaps the clock or the database URL without patching anything.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field

from sqlalchemy import Engine

from saxaul.catalogue import shipped_energy_rules, shipped_species
from saxaul.domain.clock import Clock
from saxaul.domain.game_rules import EnergyRules, SpeciesCatalogue
from saxaul.domain.methodology import Pack


class SystemClock:
    """The real clock (UTC)."""

    def now(self) -> dt.datetime:
        """The current instant in UTC."""
        return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class Runtime:
    """The composed application: database, clock, the active packs and the game's rules."""

    database_url: str
    engine: Engine
    clock: Clock
    packs: tuple[Pack, ...]
    choices: tuple[tuple[str, str], ...] = ()
    """(activity, pack id) for each activity several active packs measure: the pack scoring it."""
    chunk_rows: int = 1_000_000
    rules: EnergyRules = field(default_factory=shipped_energy_rules)
    species: SpeciesCatalogue = field(default_factory=shipped_species)
    write_lock: threading.Lock = field(default_factory=threading.Lock, compare=False)
    """Serialises this process's game transactions on SQLite (one writer at a time anyway):
    threads queue here in order instead of in SQLite's busy handler, which sleeps in growing
    steps and is unfair (p99 4–5× lower, bench/ledger.py). Unused on PostgreSQL."""
