"""The scalar reference scorer: the scoring rules written out plainly over Python values.

This is the readable specification the Polars kernel must match exactly (a property test holds
them together). It only strings the domain's rules together, one event at a time:

1. local day = ``day_ordinal`` of ``occurred_at`` in the behaviour's pack time zone; the cap
   period key is that day, its ``month_ordinal``, or ``None`` without a cap period;
2. status = ``no_consent`` unless ``may_score``, else ``not_effective`` unless the pack is in
   force on the local day, else the attribute rules' ``rule_status`` (``missing_attribute``,
   ``too_early``) if any, else ``scored``;
3. raw mg = ``event_mg`` for scored events, 0 otherwise;
3a. claims (``one_per``): per (user, ``claim_key``, claim period) in (``occurred_at``,
   ``row``) order, the first scored event with raw > 0 keeps it unless the prior usage holds
   the key; every later one is ``already_claimed`` with raw 0. A new claim is a usage row
   (user, key, period, counted 1, credited 0);
4. caps: per (user, behaviour, period) in (``occurred_at``, ``row``) order, ``apply_caps``
   folded over the events from the prior usage; an event *counted* if it raised the count;
5. awards = per (user, behaviour, day) with a scored event: Σ credited, counted, scored;
   usage = the final ``CapUsage`` of every (user, behaviour, period) with a scored event and
   a period (a behaviour without a cap period has no usage to carry), and the new claims.

Example: walking (0.02 g/step, 296 g a day), prior usage that day (counted 1, 100 000 mg), one
event of 10 000 steps → raw 200 000 mg, credited 196 000 mg; award avoided_mg 196 000; usage
(2, 296 000).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple
from zoneinfo import ZoneInfo

from saxaul.domain.events import EventStatus
from saxaul.domain.methodology import (
    Behaviour,
    CapPeriod,
    CapUsage,
    Pack,
    apply_caps,
    claim_key,
    event_mg,
    rate_mg_per_unit,
    rule_status,
)
from saxaul.domain.participants import Participant, may_score
from saxaul.domain.units import day_ordinal, month_ordinal
from saxaul.scoring.table import FACTOR_IDS_SEPARATOR, index_behaviours

UsageKey = tuple[str, str, int]
"""(user_id, behaviour, period_key): what cap usage is counted per."""


@dataclass(frozen=True, slots=True)
class ScoringEvent:
    """One event to score; ``row`` is its unique position key and breaks ``occurred_at`` ties."""

    row: int
    user_id: str
    behaviour: str
    occurred_at: dt.datetime
    quantity: float
    amount_minor: int | None = None
    attributes: str | None = None
    """Canonical JSON text of the event's attributes, read only by attribute rules."""


class EventOutcome(NamedTuple):
    """What scoring did with one event (``day`` and ``period_key`` are ordinals)."""

    row: int
    status: str
    day: int
    period_key: int | None
    raw_mg: int
    credited_mg: int
    counted: bool


class AwardRow(NamedTuple):
    """Credited milligrams of one user for one behaviour on one local day, with provenance."""

    user_id: str
    behaviour: str
    day: int
    pack_id: str
    pack_version: str
    factor_ids: str
    avoided_mg: int
    events_counted: int
    events_scored: int


class UsageRow(NamedTuple):
    """Cap usage of one (user, behaviour, period) after the batch, prior usage included."""

    user_id: str
    behaviour: str
    period_key: int
    counted: int
    credited_mg: int


@dataclass(frozen=True, slots=True)
class PlainResult:
    """A batch's results: events in input order, awards and usage sorted by their keys."""

    events: tuple[EventOutcome, ...]
    awards: tuple[AwardRow, ...]
    usage: tuple[UsageRow, ...]


def local_date(pack: Pack, occurred_at: dt.datetime) -> dt.date:
    """The calendar date of an instant in the pack's time zone."""
    return occurred_at.astimezone(ZoneInfo(pack.timezone)).date()


def period_key(period: CapPeriod | None, day: dt.date) -> int | None:
    """The key of the period (cap or claim) an event on this local day falls in."""
    if period is CapPeriod.DAY:
        return day_ordinal(day)
    if period is CapPeriod.MONTH:
        return month_ordinal(day)
    return None


@dataclass(frozen=True, slots=True)
class _Placed:
    """An event with its pack, behaviour, local day, cap period, status and raw milligrams."""

    event: ScoringEvent
    pack: Pack
    behaviour: Behaviour
    day: int
    period_key: int | None
    status: EventStatus
    raw_mg: int
    claim: tuple[str, int] | None
    """(claim key, claim period key) of a ``one_per`` behaviour's event."""


def _place(
    event: ScoringEvent,
    index: Mapping[str, tuple[Pack, Behaviour]],
    participants: Mapping[str, Participant],
) -> _Placed:
    """Rules 1–3 for one event."""
    pack, behaviour = index[event.behaviour]
    day = local_date(pack, event.occurred_at)
    if not may_score(participants.get(event.user_id), event.occurred_at):
        status = EventStatus.NO_CONSENT
    elif not pack.is_effective(day):
        status = EventStatus.NOT_EFFECTIVE
    else:
        status = rule_status(behaviour, event.occurred_at, event.attributes) or EventStatus.SCORED
    raw_mg = 0
    if status is EventStatus.SCORED:
        rate_mg = rate_mg_per_unit(pack, behaviour)
        raw_mg = event_mg(rate_mg, event.quantity, event.amount_minor, behaviour)
    key = claim_key(behaviour, event.attributes)
    claim = None
    if key is not None and behaviour.one_per is not None:
        claim = (key, period_key(behaviour.one_per.period, day) or 0)
    return _Placed(
        event,
        pack,
        behaviour,
        day_ordinal(day),
        period_key(behaviour.caps.period, day),
        status,
        raw_mg,
        claim,
    )


def _claim(placed: list[_Placed], prior: Mapping[UsageKey, CapUsage]) -> list[UsageRow]:
    """Rule 3a: turn every earning event after its key's first into ``already_claimed``."""
    claims: list[UsageRow] = []
    taken = set(prior)
    order = sorted(
        range(len(placed)), key=lambda i: (placed[i].event.occurred_at, placed[i].event.row)
    )
    for i in order:
        p = placed[i]
        if p.claim is None or p.status is not EventStatus.SCORED or p.raw_mg <= 0:
            continue
        key = (p.event.user_id, *p.claim)
        if key in taken:
            placed[i] = dataclasses.replace(p, status=EventStatus.ALREADY_CLAIMED, raw_mg=0)
        else:
            taken.add(key)
            claims.append(UsageRow(*key, counted=1, credited_mg=0))
    return claims


def score_reference(
    events: Sequence[ScoringEvent],
    participants: Sequence[Participant],
    prior: Mapping[UsageKey, CapUsage],
    packs: Sequence[Pack],
    choices: Mapping[str, str] | None = None,
) -> PlainResult:
    """Score a batch exactly as the kernel must (see the module docstring for the rules).

    ``choices`` picks the pack for each activity several packs measure (``index_behaviours``).
    """
    index = index_behaviours(packs, choices)
    by_user = {participant.user_id: participant for participant in participants}
    placed = [_place(event, index, by_user) for event in events]
    claims = _claim(placed, prior)
    scored = [p for p in placed if p.status is EventStatus.SCORED]

    groups: dict[tuple[str, str, int | None], list[_Placed]] = {}
    for p in scored:
        groups.setdefault((p.event.user_id, p.behaviour.id, p.period_key), []).append(p)
    credited: dict[int, int] = {}
    counted: dict[int, bool] = {}
    usage: dict[UsageKey, CapUsage] = {}
    for (user_id, behaviour, period), members in groups.items():
        used = CapUsage() if period is None else prior.get((user_id, behaviour, period), CapUsage())
        for p in sorted(members, key=lambda p: (p.event.occurred_at, p.event.row)):
            (credit,), after = apply_caps([p.raw_mg], used, p.behaviour.caps)
            credited[p.event.row], counted[p.event.row] = credit, after.counted > used.counted
            used = after
        if period is not None:
            usage[user_id, behaviour, period] = used

    days: dict[tuple[str, str, int], list[_Placed]] = {}
    for p in scored:
        days.setdefault((p.event.user_id, p.behaviour.id, p.day), []).append(p)

    return PlainResult(
        events=tuple(
            EventOutcome(
                row=p.event.row,
                status=p.status.value,
                day=p.day,
                period_key=p.period_key,
                raw_mg=p.raw_mg,
                credited_mg=credited.get(p.event.row, 0),
                counted=counted.get(p.event.row, False),
            )
            for p in placed
        ),
        awards=tuple(
            AwardRow(
                user_id=user_id,
                behaviour=behaviour,
                day=day,
                pack_id=members[0].pack.id,
                pack_version=members[0].pack.version,
                factor_ids=FACTOR_IDS_SEPARATOR.join(members[0].behaviour.factor_ids),
                avoided_mg=sum(credited[p.event.row] for p in members),
                events_counted=sum(counted[p.event.row] for p in members),
                events_scored=len(members),
            )
            for (user_id, behaviour, day), members in sorted(days.items(), key=lambda item: item[0])
        ),
        usage=tuple(
            sorted(
                [UsageRow(*key, used.counted, used.credited_mg) for key, used in usage.items()]
                + claims,
                key=lambda row: row[:3],
            )
        ),
    )
