"""The abuse review queue and the scan job, for operators.

Why a queue and not automatic penalties: a detector sees a pattern and can be wrong, so a flag
only holds energy (``services.abuse``) and a person decides. Both decisions are idempotent: the
same decision again answers the flag as it is; the other one is `409 already_decided`.

Example: ``POST /v1/operator/abuse/flags/3/decision {"decision": "confirm", "note": "script"}``
→ the flag, ``status: confirmed``, its held grams moved to the `forfeited` account.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import AwareDatetime

from saxaul.api.deps import RuntimeDep, require_operator
from saxaul.api.paging import DEFAULT_PAGE, AfterNumber, Limit
from saxaul.api.problems import problem_responses
from saxaul.api.schemas.abuse import DecisionIn, FlagOut, FlagsPage, ScanOut
from saxaul.domain.holds import Decision, FlagStatus
from saxaul.domain.operators import Permission
from saxaul.domain.paging import next_after_id
from saxaul.services import abuse
from saxaul.services.operator_audit import OperatorAct
from saxaul.store.tables import INTEGER_MAX

router = APIRouter(tags=["abuse review"])


@router.get(
    "/v1/operator/abuse/flags",
    summary="List abuse flags",
    response_model=FlagsPage,
    dependencies=[require_operator(Permission.ABUSE_REVIEW)],
    responses=problem_responses("unauthorised", "invalid_request"),
)
def get_flags(
    rt: RuntimeDep,
    status: Annotated[
        Literal["open", "released", "confirmed"] | None,
        Query(description="Only flags in this status."),
    ] = None,
    limit: Limit = DEFAULT_PAGE,
    after_id: AfterNumber = 0,
) -> FlagsPage:
    """Flags oldest first, optionally of one status (`open` is the review queue)."""
    flags, total = abuse.list_flags(
        rt,
        status=None if status is None else FlagStatus(status),
        limit=limit,
        after_id=after_id,
    )
    return FlagsPage(
        items=[FlagOut.model_validate(flag) for flag in flags],
        total=total,
        next_after_id=next_after_id([flag.id for flag in flags], limit),
    )


@router.post(
    "/v1/operator/abuse/flags/{flag_id}/decision",
    summary="Release or confirm an abuse flag",
    response_model=FlagOut,
    responses=problem_responses("unauthorised", "not_found", "invalid_request", "conflict"),
)
def post_decision(
    rt: RuntimeDep,
    operator: Annotated[OperatorAct, require_operator(Permission.ABUSE_REVIEW)],
    flag_id: Annotated[int, Path(ge=1, le=INTEGER_MAX, description="The flag's id.")],
    body: DecisionIn,
) -> FlagOut:
    """`release` gives the held energy back (to its ball while it can still be collected, else
    to the participant); `confirm` forfeits it. Exactly once, whoever asks and how often."""
    flag = abuse.decide(rt, flag_id, Decision(body.decision), operator.key_name, body.note)
    return FlagOut.model_validate(flag)


@router.post(
    "/v1/jobs/abuse-scan",
    summary="Scan a window of moves for automated and collusive play",
    response_model=ScanOut,
    dependencies=[require_operator(Permission.JOBS_RUN)],
    responses=problem_responses("unauthorised", "invalid_request"),
)
def post_abuse_scan(
    rt: RuntimeDep,
    since: Annotated[AwareDatetime, Query(alias="from", description="Window start (RFC 3339).")],
    until: Annotated[AwareDatetime, Query(alias="to", description="Window end (RFC 3339).")],
) -> ScanOut:
    """Run every detector of the abuse rules over the moves in `[from, to)`; a flag per
    finding, holding what the flagged play gained. The same window again raises nothing new."""
    return ScanOut.model_validate(abuse.scan(rt, since, until))
