"""Erasure and retention over HTTP: a participant's own erasure, an operator's on request, and
the retention job.

Why two erasure routes: a participant exercises their right themselves (``POST /v1/me/erase``,
with their id typed again and their password, ``services.self_erasure`` says why), and an
operator acts on a request received another way (``POST /v1/participants/{user_id}/erase``).
Both answer what was done; asking again answers the first erasure's time with ``already``.

Example: ``POST /v1/me/erase {"confirm": "u1", "password": "…"}`` → 200 ``{"user_id": "u1",
"already": false, …}``; that token then answers 401, and ``GET /v1/me/statement`` for u1 is
gone (410 ``participant_erased`` for an operator's export).
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from saxaul.api.deps import ParticipantDep, RuntimeDep, require_operator
from saxaul.api.path_params import UserId
from saxaul.api.problems import problem_responses
from saxaul.api.schemas.erasure import EraseMeIn, ErasureOut, RetentionOut
from saxaul.domain.operators import Permission
from saxaul.services.erasure import erase_participant
from saxaul.services.operator_audit import OperatorAct
from saxaul.services.retention import run_retention
from saxaul.services.self_erasure import erase_own_account

logger = logging.getLogger(__name__)

participant_router = APIRouter(tags=["privacy"])
operator_router = APIRouter(tags=["privacy"])


@participant_router.post(
    "/v1/me/erase",
    summary="Erase my account and personal data",
    response_model=ErasureOut,
    responses=problem_responses("unauthorised", "input_rejected", "invalid_request"),
)
async def post_erase_me(rt: RuntimeDep, me: ParticipantDep, body: EraseMeIn) -> ErasureOut:
    """Delete everything personal held about you, now and for good; your energy's history
    stays only as sums under your pseudonym. Type your user id in `confirm`, and your password."""
    erasure = await run_in_threadpool(
        erase_own_account, rt, me.user_id, confirm=body.confirm, password=body.password
    )
    return ErasureOut.model_validate(erasure)


@operator_router.post(
    "/v1/participants/{user_id}/erase",
    summary="Erase a participant on their request",
    response_model=ErasureOut,
    responses=problem_responses("unauthorised", "not_found", "invalid_request"),
)
def post_erase_participant(
    operator: Annotated[OperatorAct, require_operator(Permission.PARTICIPANTS_ERASE)],
    rt: RuntimeDep,
    user_id: UserId,
) -> ErasureOut:
    """Delete every personal field of the participant; partners holding their trees are sent
    `participant.erased`. The ledger's totals do not change."""
    erasure = erase_participant(rt, user_id, f"operator:{operator.key_name}", act=operator)
    return ErasureOut.model_validate(erasure)


@operator_router.post(
    "/v1/jobs/retention",
    summary="Apply raw-event retention",
    response_model=RetentionOut,
    responses=problem_responses("unauthorised"),
    dependencies=[require_operator(Permission.JOBS_RUN)],
)
def post_retention(rt: RuntimeDep) -> RetentionOut:
    """Null the payment details of events older than `SAXAUL_RAW_EVENT_RETENTION_DAYS` and
    delete quarantined rows as old; safe to run again."""
    return RetentionOut.model_validate(run_retention(rt))
