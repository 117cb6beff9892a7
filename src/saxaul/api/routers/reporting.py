"""``GET /v1/summary``: the programme's totals and each behaviour's share, in one snapshot;
``GET /v1/operator/dashboard``: the operator console's figures and last days in one call."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from saxaul.api.deps import RuntimeDep, require_operator
from saxaul.api.problems import problem_responses
from saxaul.api.schemas.reporting import (
    BehaviourTotalOut,
    DashboardOut,
    ProgrammeTotalsOut,
    Summary,
)
from saxaul.domain.operators import Permission
from saxaul.services.dashboard import MAX_DAYS, dashboard
from saxaul.services.reporting import summary

router = APIRouter(prefix="/v1/summary", tags=["reporting"])
operator = APIRouter(tags=["operator: reporting"])
READS = [require_operator(Permission.REPORTS_READ)]


@router.get(
    "",
    summary="Programme and per-behaviour totals",
    response_model=Summary,
    dependencies=READS,
    responses=problem_responses("unauthorised"),
)
def get_summary(rt: RuntimeDep) -> Summary:
    """Participants, events, avoided emissions and energy credited, overall and per behaviour."""
    programme, behaviours = summary(rt)
    return Summary(
        programme=ProgrammeTotalsOut.model_validate(programme),
        behaviours=[BehaviourTotalOut.model_validate(b) for b in behaviours],
    )


@operator.get(
    "/v1/operator/dashboard",
    summary="The dashboard: participants, avoided emissions, energy flows, trees, last days",
    response_model=DashboardOut,
    dependencies=READS,
    responses=problem_responses("unauthorised", "invalid_request"),
)
def get_dashboard(
    rt: RuntimeDep,
    days: Annotated[int, Query(ge=1, le=MAX_DAYS, description="local days to chart")] = 14,
) -> DashboardOut:
    """Headline figures now and, per local day, energy moved by each flow and the participants
    who made a move."""
    return DashboardOut.model_validate(dashboard(rt, days))
