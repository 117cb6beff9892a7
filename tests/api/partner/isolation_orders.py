"""Isolation cases of planting orders, their evidence and the partner's pipeline."""

from __future__ import annotations

from collections.abc import Callable

from saxaul.domain.partners import PartnerKind

from .isolation import Arranged, Caller, IsolationCase
from .orders_world import accepted_order, planting, proposed_order

ORDER = "/v1/partner/orders/{order_id}"


# A's order id is in the path B calls, so every answer echoes it (``instance``); what must never
# show is what only A may know: its trees, its evidence, and, in lists, its order ids.


def _proposed(a: Caller) -> Arranged:
    order_id, tree_ids = proposed_order(a)
    return Arranged({"order_id": order_id}, tuple(tree_ids))


def _accepted(a: Caller) -> Arranged:
    order_id, tree_ids = accepted_order(a)
    return Arranged({"order_id": order_id}, tuple(tree_ids))


def _planted(a: Caller) -> Arranged:
    arranged = _accepted(a)
    order = ORDER.format(**arranged.params)
    posted = a.client.post(
        f"{order}/evidence", headers=a.headers, json=planting(list(arranged.secrets))
    )
    assert posted.status_code == 201, posted.text
    return Arranged(arranged.params, (*arranged.secrets, posted.json()["evidence"]["sha256"]))


def _listed(arrange: Callable[[Caller], Arranged]) -> Callable[[Caller], Arranged]:
    """``arrange``, for a route without A's resource in its path: A's ids are secrets too."""

    def listed(a: Caller) -> Arranged:
        arranged = arrange(a)
        ids = (*arranged.params.values(), f"{a.partner_id}-saxaul-live")
        return Arranged({}, (*arranged.secrets, *ids))

    return listed


CASES = [
    IsolationCase(
        "GET", "/v1/partner/orders", PartnerKind.NGO, _listed(_proposed), foreign_path=False
    ),
    IsolationCase("GET", ORDER, PartnerKind.NGO, _proposed),
    IsolationCase("POST", ORDER + "/accept", PartnerKind.NGO, _proposed),
    IsolationCase(
        "POST", ORDER + "/decline", PartnerKind.NGO, _proposed, body=lambda _: {"reason": "no"}
    ),
    IsolationCase(
        "POST",
        ORDER + "/evidence",
        PartnerKind.NGO,
        _accepted,
        body=lambda arranged: planting(list(arranged.secrets)),
    ),
    IsolationCase("GET", ORDER + "/evidence", PartnerKind.NGO, _planted),
    IsolationCase(
        "GET", "/v1/partner/pipeline", PartnerKind.NGO, _listed(_planted), foreign_path=False
    ),
]
