"""Totals of what was scored and credited, per behaviour, for summaries and dashboards.

Example row: ``BehaviourTotal("metro_ride", "ant-forest-2017@1.0.0", events=304_529,
scored=289_004, users=61_230, avoided_mg=14_230_000_000, energy_g=14_229_874)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, case, func, select

from saxaul.domain.events import INELIGIBLE, EventStatus
from saxaul.domain.participants import ConsentScope
from saxaul.store.tables import awards, events, participants
from saxaul.store.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class BehaviourTotal:
    """Scored events and credited energy of one behaviour."""

    behaviour: str
    pack_ref: str
    events: int
    scored: int
    users: int
    avoided_mg: int
    energy_g: int


@dataclass(frozen=True, slots=True)
class ProgrammeTotals:
    """The whole programme at a glance."""

    participants: int
    consenting: int
    events: int
    scored: int
    no_consent: int
    not_effective: int
    ineligible: int
    """Together with scored, no_consent and not_effective: every event (each has one status)."""
    awards: int
    avoided_mg: int
    energy_g: int


def behaviour_totals(conn: UnitOfWork) -> list[BehaviourTotal]:
    """Per-behaviour totals, largest energy first."""
    credited = (
        select(
            awards.c.behaviour,
            (awards.c.pack_id + "@" + awards.c.pack_version).label("pack_ref"),
            func.count(func.distinct(awards.c.user_id)).label("users"),
            func.sum(awards.c.avoided_mg).label("avoided_mg"),
            func.sum(awards.c.energy_g).label("energy_g"),
        )
        .group_by(awards.c.behaviour, awards.c.pack_id, awards.c.pack_version)
        .subquery()
    )
    counted = (
        select(
            events.c.behaviour,
            func.count().label("events"),
            func.sum(case((events.c.status == "scored", 1), else_=0)).label("scored"),
        )
        .group_by(events.c.behaviour)
        .subquery()
    )
    rows = conn.execute(
        select(
            counted,
            credited.c.pack_ref,
            credited.c.users,
            credited.c.avoided_mg,
            credited.c.energy_g,
        )
        .select_from(counted.outerjoin(credited, credited.c.behaviour == counted.c.behaviour))
        .order_by(credited.c.energy_g.desc().nulls_last(), counted.c.behaviour)
    ).mappings()
    return [
        BehaviourTotal(
            behaviour=r["behaviour"],
            pack_ref=r["pack_ref"] or "-",
            events=int(r["events"]),
            scored=int(r["scored"] or 0),
            users=int(r["users"] or 0),
            avoided_mg=int(r["avoided_mg"] or 0),
            energy_g=int(r["energy_g"] or 0),
        )
        for r in rows
    ]


def programme_totals(conn: UnitOfWork) -> ProgrammeTotals:
    """Participants, events and credits across the programme."""
    people = conn.execute(
        select(
            func.count(),
            func.sum(
                case(
                    (
                        participants.c.consent_scopes.contains(ConsentScope.SCORING.value)
                        & participants.c.withdrawn_at_us.is_(None),
                        1,
                    ),
                    else_=0,
                )
            ),
        ).select_from(participants)
    ).one()
    ev = conn.execute(
        select(
            func.count(),
            _status_count(EventStatus.SCORED),
            _status_count(EventStatus.NO_CONSENT),
            _status_count(EventStatus.NOT_EFFECTIVE),
            _status_count(*INELIGIBLE),
        ).select_from(events)
    ).one()
    aw = conn.execute(
        select(func.count(), func.sum(awards.c.avoided_mg), func.sum(awards.c.energy_g))
    ).one()
    return ProgrammeTotals(
        participants=int(people[0]),
        consenting=int(people[1] or 0),
        events=int(ev[0]),
        scored=int(ev[1] or 0),
        no_consent=int(ev[2] or 0),
        not_effective=int(ev[3] or 0),
        ineligible=int(ev[4] or 0),
        awards=int(aw[0]),
        avoided_mg=int(aw[1] or 0),
        energy_g=int(aw[2] or 0),
    )


def _status_count(*statuses: EventStatus) -> ColumnElement[int]:
    return func.sum(case((events.c.status.in_([str(s) for s in statuses]), 1), else_=0))
