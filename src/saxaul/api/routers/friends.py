"""``/v1/me/friends``: the caller's friends and invitations (a participant token is required).

Why ``me`` and no user id of the caller in any path: every route acts as the token's
participant, so acting on someone else's account is impossible by construction, not by a check
a handler could forget. The ids in paths and bodies are always the *other* participant.

Example: u2 ``POST /v1/me/friends/invitations {"user_id": "u1"}`` → pending; u1
``POST /v1/me/friends/invitations/u2/accept`` → friends; either ``DELETE /v1/me/friends/…``.
"""

from __future__ import annotations

import functools
from typing import Annotated

from fastapi import APIRouter, Path, Response, status
from starlette.concurrency import run_in_threadpool

from saxaul.api.deps import ParticipantDep, RuntimeDep
from saxaul.api.paging import DEFAULT_PAGE, AfterText, Limit
from saxaul.api.problems import problem_responses
from saxaul.api.schemas.friends import FriendListOut, FriendOut, InvitationIn, InvitationOut
from saxaul.services import friends

router = APIRouter(prefix="/v1/me/friends", tags=["friends"])

OtherUser = Annotated[
    str,
    Path(
        min_length=1,
        max_length=128,
        description="The other participant's pseudonymous id.",
        examples=["u-000043"],
    ),
]


@router.get(
    "",
    summary="My friends and invitations",
    response_model=FriendListOut,
    responses=problem_responses("unauthorised", "invalid_request"),
)
async def get_friends(
    rt: RuntimeDep, me: ParticipantDep, limit: Limit = DEFAULT_PAGE, after_id: AfterText = None
) -> FriendListOut:
    """Your friends, the invitations you received and the ones you sent, each oldest first:
    `limit` people a page, by participant id."""
    listed = await run_in_threadpool(
        functools.partial(friends.list_friends, limit=limit, after_id=after_id), rt, me.user_id
    )
    return FriendListOut.model_validate(listed)


@router.post(
    "/invitations",
    summary="Invite a friend",
    response_model=InvitationOut,
    responses=problem_responses(
        "unauthorised", "not_found", "already_friends", "own_account", "invalid_request"
    ),
)
async def post_invitation(rt: RuntimeDep, me: ParticipantDep, body: InvitationIn) -> InvitationOut:
    """Invite a participant by user id; if they already invited you, you become friends.

    Sending the same invitation again answers it unchanged.
    """
    stored = await run_in_threadpool(friends.invite, rt, me.user_id, body.user_id)
    return InvitationOut(user_id=body.user_id, status=stored.status, since=stored.since)


@router.post(
    "/invitations/{inviter}/accept",
    summary="Accept an invitation",
    response_model=FriendOut,
    responses=problem_responses("unauthorised", "not_found", "invalid_request"),
)
async def post_accept(rt: RuntimeDep, me: ParticipantDep, inviter: OtherUser) -> FriendOut:
    """Accept the invitation ``inviter`` sent you; accepting again answers the same friendship."""
    stored = await run_in_threadpool(friends.accept, rt, me.user_id, inviter)
    return FriendOut(user_id=inviter, since=stored.since)


@router.delete(
    "/{user_id}",
    summary="Remove a friend, or decline or cancel an invitation",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses("unauthorised", "not_found", "invalid_request"),
)
async def delete_friend(rt: RuntimeDep, me: ParticipantDep, user_id: OtherUser) -> None:
    """End the friendship with ``user_id``, or the pending invitation between you, either way."""
    await run_in_threadpool(friends.remove, rt, me.user_id, user_id)
