"""Evidence: a partner reports trees of an order planted, or a survival check of them.

Why the report is kept whole, as canonical JSON with its sha256: what a partner said about a
participant's tree must be readable and provably unchanged years later (an audit, a dispute,
the certificate), so the row holds exactly the text the hash was taken over, and one
``tree_evidence`` row per tree links each tree to every report that named it.

Why a survival check is a sample: counting every tree of a desert planting each year is not
feasible, so a partner checks a sample and says what population it stands for; the order's
observed survival rate (alive / sampled) then stands in for its unchecked trees in the sink
estimate (``domain.sink``), and each dead tree sampled is ``lost`` until it is replaced.

Example: ``submit(rt, principal, "ord_…", PlantingReport(planted_on=…, trees=(PlantedTree(
"t-1"),), irrigation=Irrigation.DRIP, …))`` → tree t-1 ``planted``, events
``evidence.accepted`` and ``certificate.issued``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from saxaul.domain import certificates
from saxaul.domain.clock import from_us, to_us
from saxaul.domain.liabilities import LiabilityStatus
from saxaul.domain.orders import (
    CHECKABLE,
    EVIDENCE_ORDERS,
    OUTCOME_STATUS,
    EventType,
    EvidenceKind,
    EvidenceRefused,
    Irrigation,
    OrderRefused,
    OrderStatus,
    TreeNotInOrder,
    TreeOutcome,
    planting_outcome,
    survival_outcome,
)
from saxaul.domain.partners import PartnerPrincipal
from saxaul.methodology.load import canonical_json
from saxaul.services.orders import order_payload, own_order
from saxaul.services.runtime import Runtime
from saxaul.store import evidence_repo, orders_repo, webhook_outbox
from saxaul.store.evidence_repo import StoredEvidence
from saxaul.store.orders_repo import Liability, StoredOrder
from saxaul.store.uow import WriteUnitOfWork


@dataclass(frozen=True, slots=True)
class Photo:
    """A photo of the planting: its sha256, or an https address where it can be seen."""

    sha256: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Location:
    """Where the trees were planted (WGS 84), and the outline of the plot when given."""

    lat: float
    lon: float
    polygon: tuple[tuple[float, float], ...] | None = None


@dataclass(frozen=True, slots=True)
class PlantedTree:
    """One tree of the order as planted: its plot and tag, when the partner keeps them."""

    tree_id: str
    plot_id: str | None = None
    tag: str | None = None


@dataclass(frozen=True, slots=True)
class PlantingReport:
    """Trees of an order planted on a day, at a place, with photos."""

    planted_on: dt.date
    location: Location
    photos: tuple[Photo, ...]
    trees: tuple[PlantedTree, ...]
    irrigation: Irrigation


@dataclass(frozen=True, slots=True)
class Sampled:
    """One tree of a survival sample, found alive or dead."""

    tree_id: str
    alive: bool


@dataclass(frozen=True, slots=True)
class SurvivalReport:
    """A survival check: a sample of the order's planted trees and the population it stands for."""

    checked_on: dt.date
    method: str
    sample: tuple[Sampled, ...]
    sampled_of: int


@dataclass(frozen=True, slots=True)
class Accepted:
    """Evidence stored, and what it did to the order's trees."""

    evidence: StoredEvidence
    order: StoredOrder
    outcomes: tuple[tuple[str, TreeOutcome], ...]

    @property
    def survival(self) -> tuple[int, int] | None:
        """A survival check's observed (alive, sampled); ``None`` for a planting."""
        if self.evidence.kind != EvidenceKind.SURVIVAL.value:
            return None
        alive = sum(1 for _, outcome in self.outcomes if outcome is TreeOutcome.ALIVE)
        return alive, len(self.outcomes)


Report = PlantingReport | SurvivalReport


def submit(rt: Runtime, partner: PartnerPrincipal, order_id: str, report: Report) -> Accepted:
    """Store ``report`` on the partner's order and move the trees it names (module docstring)."""
    now = rt.clock.now()
    at_us = to_us(now)
    today = now.astimezone(ZoneInfo(rt.rules.timezone)).date()
    kind = EvidenceKind.PLANTING if isinstance(report, PlantingReport) else EvidenceKind.SURVIVAL
    document = canonical_json({"kind": kind.value, **_plain(report)})

    def work(conn: WriteUnitOfWork) -> Accepted:
        order = own_order(conn, partner, order_id, lock=True)
        if OrderStatus(order.status) not in EVIDENCE_ORDERS:
            raise OrderRefused(
                f"this order is {order.status}; evidence is taken on accepted orders",
                code="order_not_accepted",
                field="order_id",
                status=order.status,
            )
        ordered_on = from_us(order.created_at_us).astimezone(ZoneInfo(rt.rules.timezone)).date()
        trees = {t.tree_id: t for t in orders_repo.order_liabilities(conn, order_id)}
        if isinstance(report, PlantingReport):
            _check_day(report.planted_on, "planted_on", ordered_on, today)
            outcomes = _planted(conn, report, trees)
        else:
            _check_day(report.checked_on, "checked_on", ordered_on, today)
            outcomes = _checked(report, trees)
        evidence_id = evidence_repo.insert_evidence(
            conn,
            partner_id=order.partner_id,
            order_id=order_id,
            kind=kind.value,
            document=document,
            sha256=hashlib.sha256(document.encode()).hexdigest(),
            irrigation=report.irrigation.value if isinstance(report, PlantingReport) else None,
            at_us=at_us,
        )
        evidence_repo.insert_outcomes(conn, evidence_id, [(t, o.value) for t, o in outcomes])
        for outcome in TreeOutcome:
            named = [t for t, o in outcomes if o is outcome]
            status = OUTCOME_STATUS[outcome].value
            replaced = outcome is TreeOutcome.REPLANTED
            orders_repo.set_status(conn, named, status, at_us, replaced=replaced)
        if order.status == OrderStatus.ACCEPTED.value and not orders_repo.unplanted(conn, order_id):
            orders_repo.decide_order(conn, order_id, OrderStatus.FULFILLED.value, at_us)
            order = own_order(conn, partner, order_id)
        stored = evidence_repo.of_order(conn, order_id)[-1]
        accepted = Accepted(stored, order, tuple(outcomes))
        _events(conn, accepted, at_us)
        return accepted

    return rt.db.write(work)


def list_evidence(rt: Runtime, partner: PartnerPrincipal, order_id: str) -> list[StoredEvidence]:
    """The reports on one of the partner's orders, oldest first."""
    with rt.db.reading() as conn:
        own_order(conn, partner, order_id)
        return evidence_repo.of_order(conn, order_id)


def _check_day(day: dt.date, field: str, ordered_on: dt.date, today: dt.date) -> None:
    if day > today:
        raise EvidenceRefused(f"{field} {day} is in the future (today is {today})", field=field)
    if day < ordered_on:
        raise EvidenceRefused(
            f"{field} {day} is before the order was made ({ordered_on})", field=field
        )


def _named(tree_ids: Sequence[str], trees: dict[str, Liability], field: str) -> None:
    """Refuse a tree named twice, or not in the order (naming the first such tree)."""
    seen: set[str] = set()
    for i, tree_id in enumerate(tree_ids):
        where = f"{field}[{i}].tree_id"
        if tree_id not in trees:
            raise TreeNotInOrder(
                f"tree {tree_id!r} is not in this order", field=where, tree_id=tree_id
            )
        if tree_id in seen:
            raise EvidenceRefused(f"tree {tree_id!r} is named twice", field=where)
        seen.add(tree_id)


def _planted(
    conn: WriteUnitOfWork, report: PlantingReport, trees: dict[str, Liability]
) -> list[tuple[str, TreeOutcome]]:
    named = [t.tree_id for t in report.trees]
    _named(named, trees, "trees")
    before = evidence_repo.planted_before(conn, named)
    return [
        (
            tree_id,
            planting_outcome(
                LiabilityStatus(trees[tree_id].status),
                planted_before=tree_id in before,
                field=f"trees[{i}].tree_id",
            ),
        )
        for i, tree_id in enumerate(named)
    ]


def _checked(report: SurvivalReport, trees: dict[str, Liability]) -> list[tuple[str, TreeOutcome]]:
    _named([s.tree_id for s in report.sample], trees, "sample")
    outcomes = [
        (
            s.tree_id,
            survival_outcome(
                LiabilityStatus(trees[s.tree_id].status),
                alive=s.alive,
                field=f"sample[{i}].tree_id",
            ),
        )
        for i, s in enumerate(report.sample)
    ]
    population = sum(1 for t in trees.values() if LiabilityStatus(t.status) in CHECKABLE)
    if not len(report.sample) <= report.sampled_of <= population:
        raise EvidenceRefused(
            f"sampled_of is the population the sample stands for: at least the "
            f"{len(report.sample)} trees sampled, at most the order's {population} planted trees",
            field="sampled_of",
        )
    return outcomes


def _events(conn: WriteUnitOfWork, accepted: Accepted, at_us: int) -> None:
    order = accepted.order

    def record(event: EventType, payload: dict[str, Any]) -> None:
        webhook_outbox.record(
            conn,
            partner_id=order.partner_id,
            mode=order.mode,
            type=event.value,
            payload=payload,
            at_us=at_us,
        )

    evidence = accepted.evidence
    record(
        EventType.EVIDENCE_ACCEPTED,
        {
            "order": order_payload(order),
            "evidence": {"id": evidence.id, "kind": evidence.kind, "sha256": evidence.sha256},
            "trees": {t: o.value for t, o in accepted.outcomes},
        },
    )
    for tree_id, outcome in accepted.outcomes:
        if outcome in (TreeOutcome.PLANTED, TreeOutcome.REPLANTED):
            # the planters fetch it (it names their behaviour); the partner learns its number
            issued = {"tree_id": tree_id, "number": certificates.number(tree_id)}
            record(EventType.CERTIFICATE_ISSUED, issued | {"order_id": order.id})
        elif outcome is TreeOutcome.DEAD:
            record(EventType.TREE_LOST, {"tree_id": tree_id, "order_id": order.id})


def _plain(report: Report) -> dict[str, Any]:
    """The report as JSON values, leaving out what was not given."""

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items() if v is not None}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        if isinstance(value, dt.date):
            return value.isoformat()
        return value

    result: dict[str, Any] = plain(dataclasses.asdict(report))
    return result
