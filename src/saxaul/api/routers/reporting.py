"""``GET /v1/summary``: the programme's totals and each behaviour's share, in one snapshot."""

from __future__ import annotations

from fastapi import APIRouter

from saxaul.api.deps import OPERATOR_ONLY, RuntimeDep
from saxaul.api.problems import problem_responses
from saxaul.api.schemas.reporting import BehaviourTotalOut, ProgrammeTotalsOut, Summary
from saxaul.services.reporting import summary

router = APIRouter(prefix="/v1/summary", tags=["reporting"], dependencies=[OPERATOR_ONLY])


@router.get(
    "",
    summary="Programme and per-behaviour totals",
    response_model=Summary,
    responses=problem_responses("unauthorised"),
)
def get_summary(rt: RuntimeDep) -> Summary:
    """Participants, events, avoided emissions and energy credited, overall and per behaviour."""
    programme, behaviours = summary(rt)
    return Summary(
        programme=ProgrammeTotalsOut.model_validate(programme),
        behaviours=[BehaviourTotalOut.model_validate(b) for b in behaviours],
    )
