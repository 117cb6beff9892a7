"""``POST /v1/participants/{user_id}/opt-out``: withdraw a participant's consent, now.

Why a separate act and not a field in an upload: opting out must take effect from the instant
it is asked for, and a later participants file must not undo it.

Example: opting out ``u-000042`` answers 204; events of ``u-000042`` from then on are stored
with status ``no_consent`` and earn nothing. Asking again answers 404 (no active consent).
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from saxaul.api.deps import OPERATOR_ONLY, OperatorDep, RuntimeDep
from saxaul.api.problems import problem_responses
from saxaul.services.participants import opt_out

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/participants", tags=["participants"], dependencies=[OPERATOR_ONLY])


@router.post(
    "/{user_id}/opt-out",
    summary="Opt a participant out of scoring",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses("unauthorised", "not_found", "invalid_request"),
)
def post_opt_out(
    operator: OperatorDep,
    rt: RuntimeDep,
    user_id: Annotated[
        str,
        Path(
            min_length=1,
            max_length=128,
            description="The participant's pseudonymous id, as enrolled.",
            examples=["u-000042"],
        ),
    ],
) -> None:
    """Stop scoring the participant's events from this instant on; 404 if not consenting."""
    opt_out(rt, user_id)
    logger.info("participant %s opted out by key %s", user_id, operator.name)
