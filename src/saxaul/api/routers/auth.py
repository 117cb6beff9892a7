"""Participant sign-in: log in for a token, log out, who am I, and tokens for app backends.

Why ``POST /v1/auth/login`` is the one route open without credentials: it is how a participant
gets one. Each try costs the server one scrypt hash (tens of milliseconds) and is a password
guess, so tries are counted per client address and per user id before the password is checked
(``RateLimits.sign_in``): right or wrong, known user or not, each try counts alike.

Example: ``POST /v1/auth/login {"user_id": "u1", "password": "…"}`` → ``{"token": "sxs_…",
"token_type": "bearer", "user_id": "u1", "expires_at": "…"}``; ``GET /v1/me`` with
``Authorization: Bearer sxs_…`` → ``{"user_id": "u1"}``.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated

from fastapi import APIRouter, Request, Response, status
from starlette.concurrency import run_in_threadpool

from saxaul.api.deps import (
    ParticipantDep,
    ParticipantTokenDep,
    RateLimitsDep,
    RuntimeDep,
    require_operator,
)
from saxaul.api.path_params import UserId
from saxaul.api.problems import problem_responses
from saxaul.api.schemas.auth import LoginIn, MeOut, TokenOut, TokenRequestIn
from saxaul.domain.operators import Permission
from saxaul.services.operator_audit import OperatorAct
from saxaul.services.participant_auth import issue_token, login, logout

logger = logging.getLogger(__name__)

router = APIRouter(tags=["auth"])


@router.post(
    "/v1/auth/login",
    summary="Log in as a participant",
    response_model=TokenOut,
    responses=problem_responses("unauthorised", "invalid_request"),
)
async def post_login(
    request: Request, rt: RuntimeDep, limits: RateLimitsDep, body: LoginIn
) -> TokenOut:
    """A participant token for a matching user id and password, valid for 12 hours.

    No credentials needed. A wrong password and an unknown user id are refused alike (401).
    Attempts are limited per client address and per user id, whatever their outcome: past the
    limit, `429 rate_limited` with `Retry-After`.
    """
    await limits.sign_in(request, "login", body.user_id)
    issued = await run_in_threadpool(login, rt, body.user_id, body.password)
    return TokenOut.model_validate(issued)


@router.post(
    "/v1/auth/logout",
    summary="Log out (end this token)",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses("unauthorised"),
)
def post_logout(rt: RuntimeDep, participant: ParticipantDep, token: ParticipantTokenDep) -> None:
    """End the presented token now; later requests with it are refused (401)."""
    logout(rt, token)


@router.get(
    "/v1/me",
    summary="Who am I",
    response_model=MeOut,
    responses=problem_responses("unauthorised"),
)
async def get_me(participant: ParticipantDep) -> MeOut:
    """The participant the presented token belongs to."""
    return MeOut(user_id=participant.user_id)


@router.post(
    "/v1/participants/{user_id}/tokens",
    summary="Issue a participant token (for an app backend)",
    status_code=status.HTTP_201_CREATED,
    response_model=TokenOut,
    tags=["participants"],
    responses=problem_responses("unauthorised", "not_found", "invalid_request"),
)
def post_participant_token(
    operator: Annotated[OperatorAct, require_operator(Permission.PARTICIPANTS_TOKENS)],
    rt: RuntimeDep,
    user_id: UserId,
    body: TokenRequestIn | None = None,
) -> TokenOut:
    """A token for a participant your app has already signed in its own way (operator key).

    The app hands the token to the participant's client, which then calls the participant
    endpoints as them. Default lifetime 12 hours; at most 720 (30 days). A token acts as the
    participant, so every issue is audited (`GET /v1/operator/audit`).
    """
    ttl = dt.timedelta(hours=(body or TokenRequestIn()).ttl_hours)
    issued = issue_token(rt, user_id, ttl, act=operator)
    logger.info("token issued for participant %s by key %s", user_id, operator.key_name)
    return TokenOut.model_validate(issued)
