"""Shapes of the partner routes: sign-up, the organisation, its members and its keys.

Why every body forbids unknown fields and bounds every string: these routes are open to
organisations outside the operator's control (sign-up needs no key at all), so a typo such as
``"scope"`` for ``"scopes"`` is refused (422) rather than silently ignored, and nothing
unbounded reaches the store.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from saxaul.domain.clock import from_us
from saxaul.domain.partners import Mode, PartnerKind, PartnerStatus, Role, Scope
from saxaul.services.partner_keys import GRACE_MAX_S, KeyStatus, KeyView
from saxaul.services.partners import MAX_SECRET, IssuedKey
from saxaul.store.partners_repo import StoredMember, StoredPartner
from saxaul.store.tables import INTEGER_MAX

NAME_MAX = 200
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+$"
_FORBID = ConfigDict(extra="forbid")


def _when(us: int | None) -> dt.datetime | None:
    return None if us is None else from_us(us)


class SignupIn(BaseModel):
    """An organisation applying to work with the platform."""

    model_config = _FORBID

    partner_id: str = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$",
        description="Your organisation's id in every URL and event: 1 to 64 lowercase letters, "
        "digits and inner hyphens. It cannot be changed.",
        examples=["see-foundation"],
    )
    name_en: str = Field(min_length=1, max_length=NAME_MAX, examples=["SEE Foundation"])
    name_zh: str | None = Field(
        default=None, min_length=1, max_length=NAME_MAX, examples=["阿拉善SEE基金会"]
    )
    kind: Literal["ngo", "business"] = Field(
        description="`ngo` plants (projects, orders, evidence); `business` runs green scenarios."
    )
    contact_email: str = Field(
        min_length=3,
        max_length=254,
        pattern=EMAIL_PATTERN,
        description="Where the operator writes about your application; also the first owner's "
        "email.",
        examples=["tech@see.example"],
    )
    owner_name: str = Field(
        min_length=1,
        max_length=NAME_MAX,
        description="The person signing up; they become the organisation's first owner.",
        examples=["Li Wei"],
    )


class OperatorPartnerIn(SignupIn):
    """An organisation an operator creates; it may also be of kind ``operator``."""

    kind: PartnerKind = Field(  # type: ignore[assignment]
        description="`ngo`, `business`, or `operator` (an organisation running a programme)."
    )


class PartnerOut(BaseModel):
    """An organisation as stored."""

    id: str
    name_en: str
    name_zh: str | None
    kind: PartnerKind
    status: PartnerStatus = Field(
        description="`pending` until an operator decides; only `approved` may hold live keys."
    )
    contact_email: str
    created_at: dt.datetime
    decided_at: dt.datetime | None = Field(description="When an operator last decided.")
    decision_note: str | None = Field(description="What the operator said with the decision.")

    @classmethod
    def of(cls, stored: StoredPartner) -> PartnerOut:
        return cls(
            id=stored.id,
            name_en=stored.name_en,
            name_zh=stored.name_zh,
            kind=PartnerKind(stored.kind),
            status=PartnerStatus(stored.status),
            contact_email=stored.contact_email,
            created_at=from_us(stored.created_at_us),
            decided_at=_when(stored.decided_at_us),
            decision_note=stored.decision_note,
        )


class NewKeyOut(BaseModel):
    """A key just created. Its secret is shown here once; Saxaul keeps only its hash."""

    id: int
    name: str
    mode: Mode
    scopes: list[Scope]
    secret: str = Field(
        description="Send as `Authorization: Bearer <secret>`; `sxp_test_…` acts in the "
        "sandbox, `sxp_live_…` in the live world.",
        max_length=MAX_SECRET,
    )

    @classmethod
    def of(cls, issued: IssuedKey) -> NewKeyOut:
        return cls(
            id=issued.key_id,
            name=issued.name,
            mode=issued.mode,
            scopes=sorted(issued.scopes),
            secret=issued.secret,
        )


class SignupOut(BaseModel):
    """The new, pending organisation and its first key (sandbox, every scope)."""

    partner: PartnerOut
    key: NewKeyOut


class CallerKeyOut(BaseModel):
    """The key a request was made with."""

    id: int
    mode: Mode
    scopes: list[Scope]


class WhoAmIOut(BaseModel):
    """The caller's organisation, and what the presented key may do."""

    partner: PartnerOut
    key: CallerKeyOut


class MemberIn(BaseModel):
    """A person to add to the organisation."""

    model_config = _FORBID

    email: str = Field(
        min_length=3, max_length=254, pattern=EMAIL_PATTERN, examples=["dev@see.example"]
    )
    name: str = Field(min_length=1, max_length=NAME_MAX, examples=["Zhang Min"])
    role: Role = Field(
        description="`owner` (everything), `admin` (all but members), `developer` (all but "
        "members and keys), `viewer` (read scopes only): the most a key acting for them may do."
    )


class MemberOut(BaseModel):
    """A current member."""

    id: int
    email: str
    name: str
    role: Role
    created_at: dt.datetime

    @classmethod
    def of(cls, stored: StoredMember) -> MemberOut:
        return cls(
            id=stored.id,
            email=stored.email,
            name=stored.name,
            role=Role(stored.role),
            created_at=from_us(stored.created_at_us),
        )


class MemberPage(BaseModel):
    """A page of current members, oldest first."""

    members: list[MemberOut]
    next_after_id: int | None = Field(
        description="Pass as `after_id` for the next page; `null` after the last."
    )


class KeyIn(BaseModel):
    """A key to create."""

    model_config = _FORBID

    name: str = Field(min_length=1, max_length=100, examples=["field-app"])
    mode: Mode = Field(description="`live` only once an operator has approved you.")
    scopes: list[Scope] = Field(
        min_length=1,
        max_length=len(Scope),
        description="What the key may do; never beyond the member's role or the creating "
        "key's own scopes.",
        examples=[["projects:read", "evidence:write"]],
    )
    member_id: int | None = Field(
        default=None,
        ge=1,
        le=INTEGER_MAX,
        description="The member the key acts for; default: the member of the key you call with.",
    )


class KeyOut(BaseModel):
    """A key as listed: never its secret, never its hash."""

    id: int
    name: str
    mode: Mode
    scopes: list[Scope]
    member_id: int | None
    status: KeyStatus = Field(description="`expiring`: rotated out, working until `expires_at`.")
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    replaced_by: int | None = Field(description="The key that rotated this one out.")

    @classmethod
    def of(cls, view: KeyView) -> KeyOut:
        r = view.record
        return cls(
            id=r.id,
            name=r.name,
            mode=Mode(r.mode),
            scopes=[Scope(s) for s in r.scopes.split(";") if s],
            member_id=r.member_id,
            status=view.status,
            created_at=from_us(r.created_at_us),
            expires_at=_when(r.expires_at_us),
            revoked_at=_when(r.revoked_at_us),
            replaced_by=r.replaced_by,
        )


class KeyPage(BaseModel):
    """A page of keys, oldest first."""

    keys: list[KeyOut]
    next_after_id: int | None = Field(
        description="Pass as `after_id` for the next page; `null` after the last."
    )


class RotateIn(BaseModel):
    """How long the rotated-out key keeps working."""

    model_config = _FORBID

    grace_seconds: int = Field(
        default=86_400,
        strict=True,
        ge=0,
        le=GRACE_MAX_S,
        description=f"0 (stop at once) to {GRACE_MAX_S} (7 days); default one day.",
    )


class RotatedOut(BaseModel):
    """The new key (secret shown once) and when the old one stops working."""

    key: NewKeyOut
    replaced_key_id: int
    replaced_key_expires_at: dt.datetime


class DecisionIn(BaseModel):
    """An operator's note on a decision, shown to the partner."""

    model_config = _FORBID

    note: str | None = Field(default=None, min_length=1, max_length=1000)
