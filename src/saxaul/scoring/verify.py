"""Both scorers side by side: frames from plain values, and a pack's test vectors through both.

A pack ships vectors: the events of one consented user for one behaviour and the grams they
must earn. ``verify_pack`` scores every vector with the scalar reference *and* the Polars
kernel and compares milligrams exactly, so a pack whose numbers drifted, or a kernel whose
arithmetic drifted from the reference, is caught before it scores anyone.

Vector events are placed from a fixed first day inside the pack's effective period
(``max(effective_from, 2026-01-05)``), at 12:00 local time plus the event's ``day`` offset,
one second apart in the vector's order.

Example: a vector ``walking-30k`` of ant-forest-2017@1.0.0 (one event of 30 000 steps,
expected 296 g) → ``VectorOutcome(pack="ant-forest-2017@1.0.0", vector_id="walking-30k",
behaviour="walking", expected_g=Decimal("296"), reference_g=Decimal("296"),
kernel_g=Decimal("296"), ok=True)``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import polars as pl

from saxaul.domain.methodology import CapUsage, Pack, TestVector
from saxaul.domain.participants import ConsentScope, Participant
from saxaul.domain.units import MG_PER_G
from saxaul.scoring.kernel import ScoreResult, score
from saxaul.scoring.reference import (
    AwardRow,
    EventOutcome,
    PlainResult,
    ScoringEvent,
    UsageKey,
    UsageRow,
    score_reference,
)
from saxaul.scoring.table import (
    EVENTS_SCHEMA,
    PARTICIPANTS_SCHEMA,
    USAGE_SCHEMA,
    BehaviourTable,
)

VECTOR_USER = "vector-user"
VECTOR_EARLIEST_DAY = dt.date(2026, 1, 5)
VECTOR_LOCAL_TIME = dt.time(12)


def events_frame(events: Sequence[ScoringEvent]) -> pl.DataFrame:
    """The kernel's events frame for plain events (instants converted to UTC)."""
    rows = [
        (
            e.row,
            e.user_id,
            e.behaviour,
            e.occurred_at,
            float(e.quantity),
            e.amount_minor,
            e.attributes,
        )
        for e in events
    ]
    return pl.DataFrame(rows, schema=EVENTS_SCHEMA, orient="row")


def participants_frame(participants: Sequence[Participant]) -> pl.DataFrame:
    """The kernel's participants frame: only those holding the scoring scope with a consent."""
    rows = [
        (p.user_id, p.consent_at, p.withdrawn_at)
        for p in participants
        if ConsentScope.SCORING in p.consent_scopes and p.consent_at is not None
    ]
    return pl.DataFrame(rows, schema=PARTICIPANTS_SCHEMA, orient="row")


def prior_frame(prior: Mapping[UsageKey, CapUsage]) -> pl.DataFrame:
    """The kernel's prior-usage frame for a usage mapping."""
    rows = [(*key, used.counted, used.credited_mg) for key, used in prior.items()]
    return pl.DataFrame(rows, schema=USAGE_SCHEMA, orient="row")


def plain_result(result: ScoreResult) -> PlainResult:
    """A kernel result in the reference's plain form, so the two compare with ``==``."""
    return PlainResult(
        events=tuple(EventOutcome(**row) for row in result.events.iter_rows(named=True)),
        awards=tuple(AwardRow(**row) for row in result.awards.iter_rows(named=True)),
        usage=tuple(UsageRow(**row) for row in result.usage.iter_rows(named=True)),
    )


def score_both(
    events: Sequence[ScoringEvent],
    participants: Sequence[Participant],
    prior: Mapping[UsageKey, CapUsage],
    packs: Sequence[Pack],
    choices: Mapping[str, str] | None = None,
) -> tuple[PlainResult, PlainResult]:
    """(reference, kernel) results for the same batch; equal unless one scorer is wrong."""
    reference = score_reference(events, participants, prior, packs, choices)
    kernel = score(
        events_frame(events),
        participants_frame(participants),
        prior_frame(prior),
        BehaviourTable.from_packs(packs, choices),
    )
    return reference, plain_result(kernel)


@dataclass(frozen=True, slots=True)
class VectorOutcome:
    """One vector's expected grams beside what each scorer credited; ``ok`` if all three agree."""

    pack: str
    vector_id: str
    behaviour: str
    expected_g: Decimal
    reference_g: Decimal
    kernel_g: Decimal
    ok: bool


def vector_events(pack: Pack, vector: TestVector) -> tuple[ScoringEvent, ...]:
    """A vector's events as one synthetic user's events, placed as the module docstring says."""
    first_day = max(pack.effective_from, VECTOR_EARLIEST_DAY)
    zone = ZoneInfo(pack.timezone)
    return tuple(
        ScoringEvent(
            row=i,
            user_id=VECTOR_USER,
            behaviour=vector.behaviour_id,
            occurred_at=dt.datetime.combine(
                first_day + dt.timedelta(days=event.day), VECTOR_LOCAL_TIME, zone
            ).astimezone(dt.UTC)
            + dt.timedelta(seconds=i),
            quantity=event.quantity,
            amount_minor=event.amount_minor,
            attributes=event.attributes,
        )
        for i, event in enumerate(vector.events)
    )


def _vector_user(events: Sequence[ScoringEvent]) -> Participant:
    """Consented a day before the vector's first event, never withdrawn."""
    consent_at = min(e.occurred_at for e in events) - dt.timedelta(days=1)
    return Participant(VECTOR_USER, consent_at, frozenset({ConsentScope.SCORING}), consent_at)


def _credited_g(result: PlainResult) -> Decimal:
    return Decimal(sum(e.credited_mg for e in result.events)) / MG_PER_G


def verify_vector(pack: Pack, vector: TestVector) -> VectorOutcome:
    """Score one vector with both scorers and compare with its expected grams, exactly."""
    events = vector_events(pack, vector)
    participants = [_vector_user(events)] if events else []
    reference, kernel = score_both(events, participants, {}, [pack])
    reference_g, kernel_g = _credited_g(reference), _credited_g(kernel)
    return VectorOutcome(
        pack=pack.ref,
        vector_id=vector.id,
        behaviour=vector.behaviour_id,
        expected_g=vector.expected_total_g,
        reference_g=reference_g,
        kernel_g=kernel_g,
        ok=reference_g == kernel_g == vector.expected_total_g,
    )


def verify_pack(pack: Pack) -> list[VectorOutcome]:
    """Every vector of the pack through both scorers, in the pack's order."""
    return [verify_vector(pack, vector) for vector in pack.vectors]
