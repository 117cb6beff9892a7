"""Shapes of ``/v1/me/friends``: the caller's friends, and invitations either way."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from saxaul.api.schemas import BodyIn
from saxaul.domain.friends import FriendshipStatus


class InvitationIn(BodyIn):
    """Whom to invite."""

    user_id: str = Field(
        min_length=1,
        max_length=128,
        description="The user id of the participant to invite, as they gave it to you.",
        examples=["u-000043"],
    )


class FriendOut(BaseModel):
    """Someone on the caller's list, and since when."""

    model_config = ConfigDict(from_attributes=True)

    user_id: str = Field(description="Their pseudonymous id.")
    since: dt.datetime = Field(
        description="For a friend, when the invitation was accepted; for an invitation, when "
        "it was sent (UTC)."
    )


class FriendListOut(BaseModel):
    """A page of the caller's list, by participant id (`limit` people after `after_id`),
    sorted into friends and pending invitations, each oldest first."""

    model_config = ConfigDict(from_attributes=True)

    friends: list[FriendOut] = Field(description="Accepted friends.")
    incoming: list[FriendOut] = Field(
        description="Invitations to you: accept with `POST …/invitations/{inviter}/accept`, "
        "decline with `DELETE /v1/me/friends/{user_id}`."
    )
    outgoing: list[FriendOut] = Field(
        description="Your invitations not yet accepted; cancel with "
        "`DELETE /v1/me/friends/{user_id}`."
    )
    next_after_id: str | None = Field(
        description="Pass as `after_id` for the next page; `null` after the last."
    )


class InvitationOut(BaseModel):
    """Where the caller and the invited participant stand after an invitation."""

    user_id: str = Field(description="The other participant.")
    status: FriendshipStatus = Field(
        description="`pending` (your invitation waits for them) or `accepted` (they had "
        "invited you, so you are friends now)."
    )
    since: dt.datetime = Field(description="When it was sent, or accepted when `accepted` (UTC).")
