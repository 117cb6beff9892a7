"""The liability pipeline: every promised tree by status, and the estimated sink.

The operator sees every project and the waiting list (``GET /v1/operator/trees/pipeline``); a
partner sees its own projects in its key's mode (``GET /v1/partner/pipeline``, scope
``orders:read``). Both carry the sink estimate with its method (``domain.sink``).

Example: ``GET /v1/partner/pipeline`` → ``{"total": {"owed": 3, "ordered": 10, …},
"projects": [...], "sink": {"kg_co2": "286.4", "method": "…"}}``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from saxaul.api.deps import RuntimeDep, partner_scope, require_operator
from saxaul.api.problems import problem_responses
from saxaul.api.schemas.orders import PipelineOut
from saxaul.domain.operators import Permission
from saxaul.domain.partners import PartnerPrincipal, Scope
from saxaul.services.pipeline import liability_summary

router = APIRouter(tags=["partner: orders"])
operator = APIRouter(tags=["operator: orders"])


@router.get(
    "/v1/partner/pipeline",
    summary="Your projects' promised trees by status",
    response_model=PipelineOut,
    responses=problem_responses("unauthorised", "forbidden"),
)
def partner_pipeline(
    rt: RuntimeDep, partner: Annotated[PartnerPrincipal, partner_scope(Scope.ORDERS_READ)]
) -> PipelineOut:
    """Trees your projects owe, have ordered, planted, found alive or lost, and their sink."""
    return PipelineOut.of(liability_summary(rt, partner))


@operator.get(
    "/v1/operator/trees/pipeline",
    summary="Every promised tree by status",
    dependencies=[require_operator(Permission.REPORTS_READ)],
    response_model=PipelineOut,
    responses=problem_responses("unauthorised"),
)
def operator_pipeline(rt: RuntimeDep) -> PipelineOut:
    """Trees owed, ordered, planted, verified alive, lost and replaced (and waiting for a
    project), by project and species and in total, with the estimated sink and its method."""
    return PipelineOut.of(liability_summary(rt))
