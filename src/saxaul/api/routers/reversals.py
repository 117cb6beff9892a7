"""``POST /v1/reversals``: refunds and chargebacks take back the energy their payments earned.

Each item names a reversal event and the event it reverses; the award is lowered by that
event's credit through compensating ledger transfers (the ball shrinks, or collected energy is
taken back, or the owner owes it). Items are applied in order, each on its own: an unknown
original event is reported, not fatal, and sending the same items again is harmless.

Example: ``[{"source": "wallet", "event_id": "r1", "original_event_id": "p7", "reason":
"refund", "occurred_at": "2026-11-05T09:30:00+08:00"}]`` answers ``counts: {"applied": 1}``
and the grams taken back from the ball, the expired account, the balance and as debt.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Annotated

from fastapi import APIRouter, Body

from saxaul.api.deps import RuntimeDep, require_operator
from saxaul.api.problems import problem_responses
from saxaul.api.schemas.reversals import MAX_ITEMS, ReversalIn, ReversalOut, ReversalsOut
from saxaul.domain.operators import Permission
from saxaul.services.operator_audit import OperatorAct
from saxaul.services.reversals import reverse_events

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/reversals", tags=["reversals"])


@router.post(
    "",
    summary="Reverse the awards of refunded or charged-back events",
    response_model=ReversalsOut,
    responses=problem_responses("unauthorised", "invalid_request", "conflict"),
)
def post_reversals(
    operator: Annotated[OperatorAct, require_operator(Permission.REVERSALS_APPLY)],
    rt: RuntimeDep,
    items: Annotated[
        list[ReversalIn],
        Body(
            min_length=1,
            max_length=MAX_ITEMS,
            description=f"A JSON array of 1 to {MAX_ITEMS:,} reversals.",
        ),
    ],
) -> ReversalsOut:
    """Take back each reversed event's energy by compensating transfers; one result per item.

    A malformed item refuses the whole request (`422 invalid_request`, `field` names it) and
    nothing is applied.
    """
    results = reverse_events(rt, [item.request() for item in items])
    counts = Counter(result.status for result in results)
    logger.info("reversals by key %s: %s", operator.key_name, dict(counts))
    return ReversalsOut(counts=dict(counts), results=[ReversalOut.of(r) for r in results])
