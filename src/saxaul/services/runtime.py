"""What every use case needs, built once by ``bootstrap`` and passed in (never imported globally).

Why a plain dataclass: the API, the CLI, the simulator and the tests build the same thing the
same way, and a test swaps the clock or the database URL without patching anything.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from saxaul.catalogue import shipped_abuse_rules, shipped_energy_rules, shipped_species
from saxaul.domain.abuse_rules import AbuseRules
from saxaul.domain.clock import Clock
from saxaul.domain.game_rules import EnergyRules, SpeciesCatalogue
from saxaul.domain.methodology import Pack
from saxaul.domain.programme import Programme
from saxaul.domain.webhooks import DEFAULT_POLICY, WebhookPolicy
from saxaul.services.auth_cache import AuthCache
from saxaul.services.group_commit import GroupCommit
from saxaul.services.instance_keys import InstanceKeys
from saxaul.store.auth_repo import StoredKey
from saxaul.store.uow import Database

if TYPE_CHECKING:
    from saxaul.services.game_batch import MoveRequest
    from saxaul.services.game_views import MoveAnswer


class SystemClock:
    """The real clock (UTC)."""

    def now(self) -> dt.datetime:
        """The current instant in UTC."""
        return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class Runtime:
    """The composed application: database, clock, the active packs and the game's rules."""

    db: Database
    """Where every transaction begins (``db.write``, ``db.reading``, ``db.bulk``)."""
    clock: Clock
    packs: tuple[Pack, ...]
    choices: tuple[tuple[str, str], ...] = ()
    """(activity, pack id) for each activity several active packs measure: the pack scoring it."""
    chunk_rows: int = 500_000
    import_lease_seconds: int = 300
    """How long an import's owner may go without committing a chunk before another run may
    take the import over (a dead owner on the same host is taken over at once)."""
    moves: GroupCommit[MoveRequest, MoveAnswer] = field(default_factory=GroupCommit, compare=False)
    """Where concurrent move requests wait to be played together (``services.game_batch``)."""
    rules: EnergyRules = field(default_factory=shipped_energy_rules)
    species: SpeciesCatalogue = field(default_factory=shipped_species)
    abuse: AbuseRules = field(default_factory=shipped_abuse_rules)
    """Plausibility limits and detector thresholds (``packs/rules/abuse``, ``docs/abuse.md``)."""
    sessions: AuthCache[str] = field(default_factory=AuthCache)
    """Participant tokens checked a moment ago (digest → user id); ``bootstrap`` sizes it from
    the settings, and a runtime built without it reads the store for every token."""
    operator_keys: AuthCache[StoredKey] = field(default_factory=AuthCache)
    """Operator API keys checked a moment ago (digest → key), sized like ``sessions``."""
    tree_waiting_list: bool = False
    """Whether a tree no project has room for waits for one (``SAXAUL_TREE_WAITING_LIST``)
    instead of being refused ``no_capacity``."""
    report_min_cell: int = 10
    """The impact report's privacy threshold k (``SAXAUL_REPORT_MIN_CELL``)."""
    raw_event_retention_days: int = 180
    """Days an event keeps its payment details, a quarantined row is kept
    (``SAXAUL_RAW_EVENT_RETENTION_DAYS``, ``services.retention``)."""
    partition_months_ahead: int = 3
    """PostgreSQL: months of partitions made ahead of the current one
    (``SAXAUL_PARTITION_MONTHS_AHEAD``, ``services.partitions``)."""
    report_epsilon: float | None = None
    """The impact report's differential-privacy budget (``SAXAUL_REPORT_EPSILON``); ``None``:
    exact counts."""
    keys: InstanceKeys = field(default_factory=InstanceKeys, compare=False)
    """The instance's signing key (``services.instance_keys``); ``bootstrap`` points it at
    ``SAXAUL_SIGNING_KEY_FILE``, and a runtime built without it signs with a key of its own."""
    webhooks: WebhookPolicy = DEFAULT_POLICY
    """How webhook deliveries are sent and retried (``SAXAUL_WEBHOOKS_*``)."""

    @property
    def programme(self) -> Programme:
        """The active packs with their choices, as the domain reasons about them."""
        return Programme(self.packs, self.choices)
