"""Shapes of the participant sign-in endpoints: credentials in, a bearer token out."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from saxaul.api.schemas import BodyIn
from saxaul.services.participant_auth import PASSWORD_MAX


class LoginIn(BodyIn):
    """A participant's user id and password, as the operator set it."""

    user_id: str = Field(
        min_length=1,
        max_length=128,
        description="The participant's pseudonymous id, as enrolled.",
        examples=["u-000042"],
    )
    password: str = Field(
        min_length=1,
        max_length=PASSWORD_MAX,
        description="The password set with `saxaul participants set-password`.",
        examples=["correct horse battery"],
    )


class TokenRequestIn(BodyIn):
    """How long an operator-issued token lives."""

    ttl_hours: int = Field(
        default=12,
        strict=True,
        ge=1,
        le=720,
        description="Hours until the token expires (1 to 720), a JSON integer.",
    )


class TokenOut(BaseModel):
    """A new participant token. It is shown only here; Saxaul keeps just its hash."""

    model_config = ConfigDict(from_attributes=True)

    token: str = Field(description="Send as `Authorization: Bearer <token>`; starts `sxs_`.")
    token_type: Literal["bearer"] = Field(default="bearer", description="Always `bearer`.")
    user_id: str = Field(description="The participant the token acts for.")
    expires_at: dt.datetime = Field(description="When the token stops working (UTC).")


class MeOut(BaseModel):
    """Who the presented token belongs to."""

    user_id: str = Field(description="The participant's pseudonymous id.")
