"""The game's operator endpoints: the ball jobs a scheduler calls, and the ledger audit.

Why over HTTP: minting follows each import and expiry follows the clock, so a scheduler next to
the API triggers them; both are safe to call again or at the same time as play (every transfer
id is derived from its ball). The audit recomputes every balance from the transfers, so an
operator can check the ledger on a live system without a shell on the server.
"""

from __future__ import annotations

from fastapi import APIRouter

from saxaul.api.deps import RuntimeDep, require_operator
from saxaul.api.problems import problem_responses
from saxaul.api.schemas.game_jobs import AuditOut, JobOut
from saxaul.domain.operators import Permission
from saxaul.services.balls import expire_balls, mint_balls
from saxaul.services.ledger_audit import audit

router = APIRouter(tags=["game operations"])
JOBS = [require_operator(Permission.JOBS_RUN)]


@router.post(
    "/v1/jobs/mint-balls",
    summary="Turn new awards into energy balls",
    dependencies=JOBS,
    response_model=JobOut,
    responses=problem_responses("unauthorised"),
)
def post_mint_balls(rt: RuntimeDep) -> JobOut:
    """Every award worth at least 1 g without a ball becomes one, funded from issuance."""
    return JobOut.model_validate(mint_balls(rt))


@router.post(
    "/v1/jobs/expire-balls",
    summary="Expire balls past their expiry",
    dependencies=JOBS,
    response_model=JobOut,
    responses=problem_responses("unauthorised"),
)
def post_expire_balls(rt: RuntimeDep) -> JobOut:
    """What is left in each ball past its expiry moves to the `expired` account."""
    return JobOut.model_validate(expire_balls(rt))


@router.get(
    "/v1/ledger/audit",
    summary="Audit the energy ledger",
    dependencies=[require_operator(Permission.LEDGER_AUDIT)],
    response_model=AuditOut,
    responses=problem_responses("unauthorised"),
)
def get_ledger_audit(rt: RuntimeDep) -> AuditOut:
    """Every balance recomputed from the transfers, and each invariant that does not hold."""
    return AuditOut.model_validate(audit(rt))
