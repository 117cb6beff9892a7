"""One participant, by an operator: read their record, or withdraw their consent now.

Why a separate act and not a field in an upload: opting out must take effect from the instant
it is asked for, and a later participants file must not undo it.

Why both are audited: each reads or changes one person's data, so each leaves an entry in the
operator audit log in the same transaction (``services.operator_audit``), whoever asks and
whatever the answer.

Example: opting out ``u-000042`` answers 204; events of ``u-000042`` from then on are stored
with status ``no_consent`` and earn nothing. Asking again answers 404 (no active consent).
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Response, status

from saxaul.api.deps import RuntimeDep, require_operator
from saxaul.api.path_params import UserId
from saxaul.api.problems import problem_responses
from saxaul.api.schemas.operator import ParticipantRecordOut
from saxaul.domain.operators import Permission
from saxaul.services.operator_audit import OperatorAct
from saxaul.services.participant_record import participant_record
from saxaul.services.participants import opt_out

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/participants", tags=["participants"])


@router.get(
    "/{user_id}",
    summary="One participant's record (audited)",
    response_model=ParticipantRecordOut,
    responses=problem_responses("unauthorised", "not_found", "invalid_request"),
)
def get_participant(
    operator: Annotated[OperatorAct, require_operator(Permission.PARTICIPANTS_READ)],
    rt: RuntimeDep,
    user_id: UserId,
) -> ParticipantRecordOut:
    """Enrolment, consent, demographics and energy balance, to help the participant; every
    read leaves an entry in the operator audit log (`GET /v1/operator/audit`)."""
    return ParticipantRecordOut.model_validate(participant_record(rt, user_id, operator))


@router.post(
    "/{user_id}/opt-out",
    summary="Opt a participant out of scoring (audited)",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses("unauthorised", "not_found", "invalid_request"),
)
def post_opt_out(
    operator: Annotated[OperatorAct, require_operator(Permission.PARTICIPANTS_CONSENT)],
    rt: RuntimeDep,
    user_id: UserId,
) -> None:
    """Stop scoring the participant's events from this instant on; 404 if not consenting."""
    opt_out(rt, user_id, act=operator)
    logger.info("participant %s opted out by key %s", user_id, operator.key_name)
