"""Planting orders and their evidence: the partner's side (``/v1/partner/orders``) and the
operator's (batch now, reopen a lost tree).

Why a partner sees only its own orders, in its key's mode: ``services.orders.own_order`` answers
another partner's order (or the other mode's) exactly as one that does not exist, 404.

Example: ``POST /v1/partner/orders/ord_…/accept`` with a key holding ``orders:write`` → the order
``accepted`` and its trees ``ordered``; then ``POST …/evidence`` ``{"kind": "planting", …}``
with ``evidence:write`` → the trees ``planted``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from saxaul.api.deps import RuntimeDep, partner_scope, require_operator
from saxaul.api.problems import problem_responses
from saxaul.api.schemas.orders import (
    DeclineIn,
    EvidenceAcceptedOut,
    EvidenceIn,
    EvidenceOut,
    LiabilityOut,
    OrderDetailOut,
    OrderOut,
    OrderPage,
    OrdersCreatedOut,
    PlantingIn,
)
from saxaul.domain.operators import Permission
from saxaul.domain.orders import Irrigation, OrderStatus
from saxaul.domain.partners import PartnerPrincipal, Scope
from saxaul.services import evidence, orders

router = APIRouter(prefix="/v1/partner/orders", tags=["partner: orders"])
operator = APIRouter(tags=["operator: orders"])
ORDERING = [require_operator(Permission.TREES_ORDER)]

OrderId = Annotated[str, Path(min_length=1, max_length=64, description="The order's id, `ord_…`.")]
Reading = Annotated[PartnerPrincipal, partner_scope(Scope.ORDERS_READ)]
Writing = Annotated[PartnerPrincipal, partner_scope(Scope.ORDERS_WRITE)]
Evidencing = Annotated[PartnerPrincipal, partner_scope(Scope.EVIDENCE_WRITE)]
_PARTNER = ("unauthorised", "forbidden", "not_found", "invalid_request")


@router.get(
    "",
    summary="List your planting orders",
    response_model=OrderPage,
    responses=problem_responses("unauthorised", "forbidden", "invalid_request"),
)
def list_orders(
    rt: RuntimeDep,
    partner: Reading,
    status: Annotated[OrderStatus | None, Query(description="Only orders in this status.")] = None,
    limit: Annotated[int, Query(ge=1, le=orders.MAX_PAGE)] = 50,
    after_id: Annotated[
        str,
        Query(max_length=64, description="Start after this order id (`next_after_id`)."),
    ] = "",
) -> OrderPage:
    """Your orders in your key's mode, by id, optionally of one status."""
    page, total = orders.list_orders(rt, partner, status=status, limit=limit, after_id=after_id)
    return OrderPage(
        items=[OrderOut.of(o) for o in page],
        total=total,
        next_after_id=page[-1].id if len(page) == limit else None,
    )


@router.get(
    "/{order_id}",
    summary="Read one of your orders with its trees",
    response_model=OrderDetailOut,
    responses=problem_responses(*_PARTNER),
)
def get_order(rt: RuntimeDep, partner: Reading, order_id: OrderId) -> OrderDetailOut:
    """The order and where each of its trees stands."""
    return OrderDetailOut.of_detail(orders.get_order(rt, partner, order_id))


@router.post(
    "/{order_id}/accept",
    summary="Accept a proposed order",
    response_model=OrderDetailOut,
    responses=problem_responses(*_PARTNER, "order_not_proposed"),
)
def accept_order(rt: RuntimeDep, partner: Writing, order_id: OrderId) -> OrderDetailOut:
    """Its trees become `ordered`: you undertake to plant them and report evidence. Accepting
    an accepted order again changes nothing; a declined one cannot be accepted (409)."""
    return OrderDetailOut.of_detail(orders.accept(rt, partner, order_id))


@router.post(
    "/{order_id}/decline",
    summary="Decline a proposed order",
    response_model=OrderDetailOut,
    responses=problem_responses(*_PARTNER, "order_not_proposed"),
)
def decline_order(
    rt: RuntimeDep, partner: Writing, order_id: OrderId, body: DeclineIn
) -> OrderDetailOut:
    """Its trees leave the order, still owed by the project: the next batching proposes them
    again. An accepted order cannot be declined (409)."""
    return OrderDetailOut.of_detail(orders.decline(rt, partner, order_id, body.reason))


@router.post(
    "/{order_id}/evidence",
    summary="Report planting or a survival check",
    response_model=EvidenceAcceptedOut,
    status_code=201,
    responses=problem_responses(
        *_PARTNER,
        "order_not_accepted",
        "evidence_invalid",
        "tree_not_in_order",
        "wrong_tree_status",
    ),
)
def post_evidence(
    rt: RuntimeDep, partner: Evidencing, order_id: OrderId, body: EvidenceIn
) -> EvidenceAcceptedOut:
    """Planting evidence makes the trees it names `planted` (a `lost` tree replanted counts a
    replacement) and issues their certificates; a survival check makes the trees of its sample
    `alive` or `lost`. Stored as canonical JSON with its SHA-256."""
    return EvidenceAcceptedOut.of(evidence.submit(rt, partner, order_id, _report(body)))


@router.get(
    "/{order_id}/evidence",
    summary="List the evidence on one of your orders",
    response_model=list[EvidenceOut],
    responses=problem_responses(*_PARTNER),
)
def get_evidence(rt: RuntimeDep, partner: Reading, order_id: OrderId) -> list[EvidenceOut]:
    """Every report on the order, oldest first, as stored."""
    return [EvidenceOut.of(e) for e in evidence.list_evidence(rt, partner, order_id)]


@operator.post(
    "/v1/operator/orders",
    summary="Batch owed trees into planting orders now",
    dependencies=ORDERING,
    response_model=OrdersCreatedOut,
    responses=problem_responses("unauthorised"),
)
def create_orders(rt: RuntimeDep) -> OrdersCreatedOut:
    """What the scheduled job does: one proposed order per project with owed, promised trees no
    order carries and no order awaiting an answer. Running it twice makes no second order."""
    made = orders.create_orders(rt)
    return OrdersCreatedOut(orders=made.orders, trees=made.trees)


@operator.post(
    "/v1/operator/trees/{tree_id}/reopen",
    summary="Reopen a lost tree",
    dependencies=ORDERING,
    response_model=LiabilityOut,
    responses=problem_responses("unauthorised", "not_found", "wrong_tree_status"),
)
def reopen_tree(
    rt: RuntimeDep, tree_id: Annotated[str, Path(min_length=1, max_length=128)]
) -> LiabilityOut:
    """A lost tree becomes owed again by its project, outside any order, so the next batching
    orders it again: the participant's promise stands until a tree lives."""
    return LiabilityOut.of(orders.reopen(rt, tree_id))


def _report(body: EvidenceIn) -> evidence.Report:
    """The service's report from the request body."""
    if isinstance(body, PlantingIn):
        location = body.location
        return evidence.PlantingReport(
            planted_on=body.planted_on,
            location=evidence.Location(
                location.lat,
                location.lon,
                None if location.polygon is None else tuple(location.polygon),
            ),
            photos=tuple(evidence.Photo(p.sha256, p.url) for p in body.photos),
            trees=tuple(evidence.PlantedTree(t.tree_id, t.plot_id, t.tag) for t in body.trees),
            irrigation=Irrigation(body.irrigation),
        )
    return evidence.SurvivalReport(
        checked_on=body.checked_on,
        method=body.method,
        sample=tuple(evidence.Sampled(s.tree_id, s.alive) for s in body.sample),
        sampled_of=body.sampled_of,
    )
