"""The abuse-resistance rules as values: plausibility limits and detector thresholds.

Why values: every threshold that decides whether a person's energy is held is versioned data
with a tag and a source (``saxaul/packs/rules/abuse/<version>/rules.toml``), so code never holds
one and a change is a new version anyone can read. The loader (``saxaul.catalogue``) checks that
each rule carries the thresholds its kind needs (``NEEDS``); the detectors only read them.

Example: ``shipped_abuse_rules().get("walking_steps_per_day").number("max_quantity") == 100000``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from saxaul.domain.game_rules import GameSource, Provenance


class RuleKind(StrEnum):
    """What a rule checks. The first three run when events are scored (per award), the rest
    over the ledger's moves (``saxaul abuse scan``)."""

    DAILY_QUANTITY = "daily_quantity"
    """A day's summed activity quantity of one behaviour (steps) above ``max_quantity``."""
    DAILY_EVENTS = "daily_events"
    """A day's count of one behaviour's events (trips) above ``max_events``."""
    SPEED = "speed"
    """An event's quantity in km over its ``attribute`` in seconds above ``max_kmh``."""
    MOVE_VELOCITY = "move_velocity"
    """More than ``max_moves`` steals and waterings within ``window_s``."""
    RIPENING_SNIPE = "ripening_snipe"
    """At least ``min_moves`` steals (and ``min_share`` of them) within ``within_s`` of ripening."""
    REGULAR_INTERVALS = "regular_intervals"
    """At least ``min_intervals`` gaps in [``min_interval_s``, ``max_interval_s``] with a
    coefficient of variation at most ``max_cv``."""
    ROUND_THE_CLOCK = "round_the_clock"
    """Moves in at least ``min_hours`` distinct local hours of one local day."""
    FUNNEL_RING = "funnel_ring"
    """At least ``min_senders`` accounts each passing ``min_share`` of their awarded energy
    (and ``min_sender_g``) to one receiver."""


PLAUSIBILITY_KINDS = frozenset({RuleKind.DAILY_QUANTITY, RuleKind.DAILY_EVENTS, RuleKind.SPEED})
"""Kinds checked per award at scoring time; they name a ``behaviour``."""

NEEDS: Mapping[RuleKind, frozenset[str]] = {
    RuleKind.DAILY_QUANTITY: frozenset({"max_quantity"}),
    RuleKind.DAILY_EVENTS: frozenset({"max_events"}),
    RuleKind.SPEED: frozenset({"max_kmh"}),
    RuleKind.MOVE_VELOCITY: frozenset({"window_s", "max_moves"}),
    RuleKind.RIPENING_SNIPE: frozenset({"within_s", "min_moves", "min_share"}),
    RuleKind.REGULAR_INTERVALS: frozenset(
        {"min_interval_s", "max_interval_s", "min_intervals", "max_cv"}
    ),
    RuleKind.ROUND_THE_CLOCK: frozenset({"min_hours"}),
    RuleKind.FUNNEL_RING: frozenset({"min_senders", "min_share", "min_sender_g"}),
}
"""The thresholds each kind reads: the loader refuses a rule missing one or naming another."""


@dataclass(frozen=True, slots=True)
class Threshold:
    """One tagged number: an integer, or a ``Decimal`` share."""

    value: int | Decimal
    unit: str
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class AbuseRule:
    """One rule: what it checks, why (in both languages) and its numbers."""

    id: str
    kind: RuleKind
    reason_en: str
    reason_zh: str
    thresholds: Mapping[str, Threshold]
    behaviour: str | None = None
    attribute: str | None = None

    def number(self, name: str) -> int | Decimal:
        """The value of threshold ``name`` (the loader guarantees the kind's thresholds)."""
        return self.thresholds[name].value


@dataclass(frozen=True, slots=True)
class AbuseRules:
    """One version of the abuse rules; local days and hours are counted in ``timezone``."""

    id: str
    version: str
    timezone: str
    rules: tuple[AbuseRule, ...]
    sources: tuple[GameSource, ...]
    content_hash: str

    @property
    def ref(self) -> str:
        """``id@version``, recorded on every flag."""
        return f"{self.id}@{self.version}"

    def get(self, rule_id: str) -> AbuseRule:
        """The rule with this id (``KeyError`` if absent)."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def of_kind(self, *kinds: RuleKind) -> tuple[AbuseRule, ...]:
        """The rules of these kinds, in file order."""
        return tuple(rule for rule in self.rules if rule.kind in kinds)
