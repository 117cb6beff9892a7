"""Methodology packs as values, and the pure arithmetic every scorer must agree with.

A pack (``ant-forest-2017@1.0.0``) names behaviours; each behaviour turns one event's
``quantity`` into avoided milligrams of CO2e by one formula kind, then caps limit what a user
can earn per day or month. The scalar reference scorer calls these functions directly; the
vectorised kernel re-states them in Polars and a property test holds the two together.

Worked example (Shenzhen metro, per-unit, 46.7 g CO2/passenger-km):
``rate_mg_per_unit`` = 46 700 mg/km; an event of 10 km gives ``event_mg`` = 467 000 mg.
Walking (0.02 g/step, 296 g/day cap): 30 000 steps → 600 000 mg raw → 296 000 mg credited.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from saxaul.domain.events import EventStatus
from saxaul.domain.units import MASS_UNIT_IN_MG, mg_from_g

MAX_KEY_CHARS = 64
"""Longest ``one_per`` attribute value (an account number); a longer one is unreadable."""
_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:[0-5]\d:[0-5]\d(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})")


class FormulaKind(StrEnum):
    """How an event's quantity becomes avoided CO2e."""

    FIXED_PER_ACTIVITY = "fixed_per_activity"
    """One factor: avoided grams per activity (a ticket, a bill); quantity counts activities."""
    PER_UNIT = "per_unit"
    """One factor: avoided grams per unit of quantity (per step, per passenger-km)."""
    BASELINE_MINUS_PROJECT = "baseline_minus_project"
    """Two factors, baseline then project: (baseline − project) per unit of quantity."""


class CapPeriod(StrEnum):
    """The calendar period (in the pack's time zone) over which a cap is counted."""

    DAY = "day"
    """A local calendar day."""
    MONTH = "month"
    """A local calendar month."""


class SourceStatus(StrEnum):
    """How well a number is sourced: the status tag every pack factor and source carries."""

    CONFIRMED = "C"
    """Seen in the publisher's own text."""
    SECONDARY = "S"
    """Seen only in a secondary source; verify against the original."""
    DERIVED = "D"
    """Derived by arithmetic shown in the pack."""
    UNCONFIRMED = "U"
    """Commonly described, not confirmed: a default to revisit."""


@dataclass(frozen=True, slots=True)
class Source:
    """A citable origin of numbers: publication, address and where in it.

    ``licence`` is empty when the source states none; OGL or CC BY data must carry its
    attribution line here so every shipped copy of the numbers carries it too.
    """

    id: str
    title: str
    url: str
    locator: str
    status: SourceStatus
    licence: str = ""


@dataclass(frozen=True, slots=True)
class Factor:
    """A sourced number: ``value`` in ``unit`` (e.g. ``g CO2/passenger-km``) for a data year."""

    id: str
    value: Decimal
    unit: str
    year: int
    source_id: str
    status: SourceStatus
    note: str = ""

    @property
    def mass_mg(self) -> Decimal:
        """Milligrams per one of the factor's mass unit (the unit's text before the first '/')."""
        mass = self.unit.split("/", 1)[0].split()[0]
        return MASS_UNIT_IN_MG[mass]

    @property
    def per(self) -> str:
        """What the factor is per: the unit's text after the first '/' (e.g. ``passenger-km``)."""
        return self.unit.split("/", 1)[1].strip() if "/" in self.unit else ""


@dataclass(frozen=True, slots=True)
class Caps:
    """Limits on what one user earns for one behaviour.

    ``period`` with ``max_count`` and/or ``max_g`` caps the period; ``per_event_max_g`` clips
    each event before the period caps. A ``None`` means no such cap.
    """

    period: CapPeriod | None = None
    max_count: int | None = None
    max_g: Decimal | None = None
    per_event_max_g: Decimal | None = None

    @property
    def max_mg(self) -> int | None:
        """The period's gram cap in milligrams."""
        return None if self.max_g is None else mg_from_g(self.max_g)

    @property
    def per_event_max_mg(self) -> int | None:
        """The per-event cap in milligrams."""
        return None if self.per_event_max_g is None else mg_from_g(self.per_event_max_g)


@dataclass(frozen=True, slots=True)
class OnePer:
    """At most one earning event per user, per value of an event attribute, per period.

    Example: ``OnePer("account_number", CapPeriod.MONTH)`` — one utility bill per account
    number per month; a second bill for the same account that month is ``already_claimed``.
    """

    attribute: str
    period: CapPeriod


@dataclass(frozen=True, slots=True)
class Behaviour:
    """A scored low-carbon behaviour: what it is, how it is scored and capped, and why.

    ``activity`` names the real-world activity it measures (``metro_trip``), so a programme can
    see two packs that would pay twice for one trip; ``None`` in packs that predate it.
    ``one_per`` and ``earns_after`` are the behaviour's eligibility rules (``rule_status``).
    """

    id: str
    name_zh: str
    name_en: str
    category: str
    activity_unit: str
    formula: FormulaKind
    factor_ids: tuple[str, ...]
    caps: Caps
    baseline_note: str
    min_amount_minor: int | None = None
    activity: str | None = None
    one_per: OnePer | None = None
    earns_after: str | None = None

    @property
    def attribute_rules(self) -> bool:
        """Whether scoring an event of this behaviour reads its attributes."""
        return self.one_per is not None or self.earns_after is not None


@dataclass(frozen=True, slots=True)
class VectorEvent:
    """One event of a test vector; ``day`` counts local days from the vector's first day."""

    quantity: float
    amount_minor: int | None = None
    day: int = 0
    attributes: str | None = None
    """The event's attributes as canonical JSON text (``{"account_number":"44-01"}``)."""


@dataclass(frozen=True, slots=True)
class TestVector:
    """Inputs → expected grams for one user and behaviour (``saxaul methodology verify``)."""

    __test__ = False  # not a pytest class, despite the name

    id: str
    behaviour_id: str
    events: tuple[VectorEvent, ...]
    expected_total_g: Decimal
    note: str = ""


@dataclass(frozen=True, slots=True)
class Pack:
    """A whole methodology pack, immutable per (id, version) and identified by its content hash."""

    id: str
    version: str
    title: str
    summary: str
    region: str
    timezone: str
    effective_from: dt.date
    effective_to: dt.date | None
    behaviours: tuple[Behaviour, ...]
    factors: tuple[Factor, ...]
    sources: tuple[Source, ...]
    vectors: tuple[TestVector, ...]
    content_hash: str
    notes: str = ""

    @property
    def ref(self) -> str:
        """``id@version``: how the pack is named on the command line and in awards."""
        return f"{self.id}@{self.version}"

    def factor(self, factor_id: str) -> Factor:
        """The factor with this id (packs are validated, so a behaviour's factors exist)."""
        for factor in self.factors:
            if factor.id == factor_id:
                return factor
        raise KeyError(factor_id)

    def behaviour(self, behaviour_id: str) -> Behaviour:
        """The behaviour with this id."""
        for behaviour in self.behaviours:
            if behaviour.id == behaviour_id:
                return behaviour
        raise KeyError(behaviour_id)

    def is_effective(self, local_date: dt.date) -> bool:
        """Whether the pack applies to an event on this local date."""
        if local_date < self.effective_from:
            return False
        return self.effective_to is None or local_date <= self.effective_to


def rate_mg_per_unit(pack: Pack, behaviour: Behaviour) -> float:
    """Avoided milligrams per unit of quantity, computed exactly in decimal then made a float.

    Why a float: scorers multiply it by a float quantity; doing that one IEEE multiplication
    the same way in Python and in Polars is what makes the two scorers agree to the milligram.
    """
    factors = [pack.factor(fid) for fid in behaviour.factor_ids]
    if behaviour.formula is FormulaKind.BASELINE_MINUS_PROJECT:
        baseline, project = factors
        rate = baseline.value * baseline.mass_mg - project.value * project.mass_mg
    else:
        (factor,) = factors
        rate = factor.value * factor.mass_mg
    return float(max(rate, Decimal(0)))


def event_mg(
    rate_mg: float,
    quantity: float,
    amount_minor: int | None,
    behaviour: Behaviour,
) -> int:
    """Raw avoided milligrams of one event, before period caps (floor, then per-event cap).

    An event below the behaviour's minimum payment (e.g. an offline payment under ¥1) earns 0.
    """
    if behaviour.min_amount_minor is not None and (
        amount_minor is None or amount_minor < behaviour.min_amount_minor
    ):
        return 0
    raw = math.floor(quantity * rate_mg)
    cap = behaviour.caps.per_event_max_mg
    return raw if cap is None else min(raw, cap)


@dataclass(frozen=True, slots=True)
class CapUsage:
    """What a user has already used of one behaviour's cap in one period."""

    counted: int = 0
    credited_mg: int = 0


def apply_caps(
    raw_mg: Sequence[int], used: CapUsage, caps: Caps
) -> tuple[tuple[int, ...], CapUsage]:
    """Credit a period's events in order against the caps; return per-event credits and usage.

    Rules: an event with 0 raw mg neither counts nor earns; an event past ``max_count`` earns 0
    and does not count; otherwise it counts and earns what is left under ``max_mg``.
    Example: caps(max_count=5), used(counted=4), raw [52 000, 52 000] → (52 000, 0).
    """
    counted, credited_total = used.counted, used.credited_mg
    max_mg = caps.max_mg
    credits: list[int] = []
    for raw in raw_mg:
        if raw <= 0 or (caps.max_count is not None and counted >= caps.max_count):
            credits.append(0)
            continue
        counted += 1
        credit = raw if max_mg is None else max(0, min(raw, max_mg - credited_total))
        credited_total += credit
        credits.append(credit)
    return tuple(credits), CapUsage(counted, credited_total)


def attribute_text(attributes: str | None, name: str) -> str | None:
    """The top-level attribute ``name`` of a JSON object as text, if it can key a rule.

    A string of 1–``MAX_KEY_CHARS`` characters is itself; an integer is its decimal digits (so
    ``"4401"`` and ``4401`` are one account); anything else (absent, empty, too long, a float,
    a boolean, null, an object, a list, text that is not a JSON object) is ``None``.
    """
    return _text(_document(attributes), name)


def attribute_instant(attributes: str | None, name: str) -> dt.datetime | None:
    """The attribute ``name`` as an instant, if it is RFC 3339 text with an offset.

    Example: ``"2026-01-06T09:00:00+08:00"`` → 2026-01-06 01:00 UTC. A date without a time, a
    time without an offset, or an impossible date (``2026-02-30``) is ``None``.
    """
    return _instant(_document(attributes), name)


def _document(attributes: str | None) -> dict[str, object]:
    """The attributes as a JSON object; empty when there are none or they are not an object."""
    if attributes is None:
        return {}
    try:
        document = json.loads(attributes)
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def _text(document: dict[str, object], name: str) -> str | None:
    value = document.get(name)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        value = str(value)
    if isinstance(value, str) and 0 < len(value) <= MAX_KEY_CHARS:
        return value
    return None


def _instant(document: dict[str, object], name: str) -> dt.datetime | None:
    return instant_of(_text(document, name))


def instant_of(text: str | None) -> dt.datetime | None:
    """An attribute's text as an instant, if it is RFC 3339 with an offset (``attribute_instant``
    after the JSON is read; the kernel reads the JSON itself and calls this per distinct text).
    """
    if text is None or _INSTANT.fullmatch(text) is None:
        return None
    try:
        return dt.datetime.fromisoformat(text).astimezone(dt.UTC)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class RuleFacts:
    """What a behaviour's attribute rules read from one event's attributes.

    Why one value: the attributes are JSON text, and parsing it is most of what the rules cost,
    so both scorers read each text once here; ``rule_status`` and ``claim_key`` are this value's
    two faces. ``missing``: an attribute a rule keys on is absent or unusable.
    """

    claim: str | None
    after: dt.datetime | None
    missing: bool

    def status_at(self, occurred_at: dt.datetime) -> EventStatus | None:
        """Why the rules refuse an event at ``occurred_at`` before any arithmetic, or ``None``."""
        if self.missing:
            return EventStatus.MISSING_ATTRIBUTE
        if self.after is not None and occurred_at < self.after:
            return EventStatus.TOO_EARLY
        return None


def rule_facts(behaviour: Behaviour, attributes: str | None) -> RuleFacts:
    """The facts ``behaviour``'s ``one_per`` and ``earns_after`` rules need, parsed once."""
    if behaviour.one_per is None and behaviour.earns_after is None:
        return RuleFacts(None, None, missing=False)
    document = _document(attributes)
    claim = after = None
    if behaviour.one_per is not None:
        value = _text(document, behaviour.one_per.attribute)
        claim = None if value is None else f"{behaviour.id}/{behaviour.one_per.attribute}={value}"
    if behaviour.earns_after is not None:
        after = _instant(document, behaviour.earns_after)
    missing = (behaviour.one_per is not None and claim is None) or (
        behaviour.earns_after is not None and after is None
    )
    return RuleFacts(claim, after, missing)


def rule_status(
    behaviour: Behaviour, occurred_at: dt.datetime, attributes: str | None
) -> EventStatus | None:
    """Why the behaviour's attribute rules refuse the event before any arithmetic, or ``None``.

    ``earns_after``: an event earns only at or after the instant its attribute names (hospital
    appointments are credited after the visit); ``one_per`` needs its attribute to key on.
    Whether this event is the first for its key (``ALREADY_CLAIMED``) depends on the other
    events, so the scorers decide that (``claim_key``).
    """
    return rule_facts(behaviour, attributes).status_at(occurred_at)


def claim_key(behaviour: Behaviour, attributes: str | None) -> str | None:
    """What a ``one_per`` rule counts per user and period: ``utility_bill/account_number=4401``.

    ``None`` for a behaviour without the rule, or an event without a usable attribute value.
    Cap usage is carried between batches under this key in place of the behaviour id.
    """
    return rule_facts(behaviour, attributes).claim
