"""Why a ball holds what it holds: the behaviour, day, pack version, formula and sourced factors.

Why a service of its own: a ball is only an amount and two times; its explanation is the award
it was minted from (``awards``: pack id and version, factor ids, avoided milligrams, events
counted, local day) read beside the methodology pack *at that version*, which may no longer be
the one in force. The page shows this as it is — "metro ride, 2016-09-03, ant-forest-2017 v1:
52 g" — and computes nothing itself. Only the ball's owner may read it; anyone else's ball is
``not_found``, as if it did not exist.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from saxaul.domain.errors import NotFound
from saxaul.domain.holds import Flag
from saxaul.domain.methodology import Pack
from saxaul.methodology.registry import find_pack, shipped_packs
from saxaul.scoring.table import FACTOR_IDS_SEPARATOR
from saxaul.services.runtime import Runtime
from saxaul.services.scenario_packs import stored_pack
from saxaul.store import abuse_repo, awards_repo
from saxaul.store.awards_repo import AwardRow
from saxaul.store.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class FactorStory:
    """One factor of the formula: its value and unit, and the source it comes from."""

    id: str
    value: Decimal
    unit: str
    year: int
    status: str
    """How well it is sourced: C confirmed, S secondary, D derived, U unconfirmed."""
    note: str
    source_id: str
    source_title: str
    source_url: str
    source_locator: str


@dataclass(frozen=True, slots=True)
class BallStory:
    """A ball's explanation, from its award and the pack version that scored it."""

    ball_id: str
    behaviour: str
    name_zh: str
    name_en: str
    day: dt.date
    pack_id: str
    pack_version: str
    pack_title: str
    formula: str
    activity_unit: str
    baseline_note: str
    factors: tuple[FactorStory, ...]
    events_counted: int
    avoided_mg: int
    energy_g: int
    hold: HoldStory | None = None
    """Why the ball is (or was) held by an abuse flag; ``None``: it never was."""


@dataclass(frozen=True, slots=True)
class HoldStory:
    """An abuse flag's hold on a ball, as its owner reads it: the rule's reason in both
    languages and where the review stands."""

    status: str
    reason_en: str
    reason_zh: str
    held_g: int


def ball_story(rt: Runtime, user: str, ball_id: str) -> BallStory:
    """The story of ``user``'s ball ``ball_id``; ``NotFound`` for a ball that is not theirs."""
    with rt.db.reading() as conn:
        award = awards_repo.award_of_ball(conn, user, ball_id)
        if award is None:
            raise NotFound(f"you have no ball {ball_id}", ball_id=ball_id)
        pack = pack_of(rt, conn, award.pack_id, award.pack_version)
        flag = abuse_repo.flags_of_balls(conn, [ball_id]).get(ball_id)
    return explain(award, pack, flag)


def explain(award: AwardRow, pack: Pack, flag: Flag | None = None) -> BallStory:
    """The story of the ball minted from ``award``, read beside ``pack`` (the version that
    scored it) and the abuse ``flag`` holding it if any: the one explanation of an award, for
    the ball page and the personal statement."""
    behaviour = pack.behaviour(award.behaviour)
    sources = {source.id: source for source in pack.sources}
    factors = tuple(pack.factor(f) for f in award.factor_ids.split(FACTOR_IDS_SEPARATOR) if f)
    return BallStory(
        ball_id=award.id,
        behaviour=behaviour.id,
        name_zh=behaviour.name_zh,
        name_en=behaviour.name_en,
        day=dt.date.fromordinal(award.day),
        pack_id=pack.id,
        pack_version=pack.version,
        pack_title=pack.title,
        formula=behaviour.formula.value,
        activity_unit=behaviour.activity_unit,
        baseline_note=behaviour.baseline_note,
        factors=tuple(
            FactorStory(
                id=factor.id,
                value=factor.value,
                unit=factor.unit,
                year=factor.year,
                status=factor.status.value,
                note=factor.note,
                source_id=factor.source_id,
                source_title=sources[factor.source_id].title,
                source_url=sources[factor.source_id].url,
                source_locator=sources[factor.source_id].locator,
            )
            for factor in factors
        ),
        events_counted=award.events_counted,
        avoided_mg=award.avoided_mg,
        energy_g=award.energy_g,
        hold=None
        if flag is None
        else HoldStory(flag.status.value, flag.reason_en, flag.reason_zh, flag.held_g),
    )


_shipped = cache(shipped_packs)
"""The shipped packs, read once: they are files of the release and never change under it."""


def pack_of(rt: Runtime, conn: UnitOfWork, pack_id: str, version: str) -> Pack:
    """The pack version that scored an award: one in force, one shipped, or an approved
    business scenario's (registered in the store, not shipped)."""
    ref = f"{pack_id}@{version}"
    for pack in rt.packs:
        if pack.ref == ref:
            return pack
    try:
        return find_pack(_shipped(), ref)
    except NotFound:
        return stored_pack(conn, pack_id, version)
