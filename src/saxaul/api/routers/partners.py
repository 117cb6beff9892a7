"""Partners: sign-up (``/v1/partners``), their own organisation, members and keys
(``/v1/partner…``, a partner key), and the operator's decisions (``/v1/operator/partners…``).

Why ``/v1/partner`` has no partner id in any path: every route acts on the key's own
organisation, so reaching another partner's members or keys is impossible by construction;
a member or key id of another partner is answered 404, exactly as one that does not exist.

Why sign-up needs no key: an organisation can try the platform in the sandbox at once; what
reaches real trees and energy (live keys) waits for an operator's approval.

Example: ``POST /v1/partners {"partner_id": "see-foundation", …}`` → 201 with a sandbox key
``sxp_test_…``; the operator ``POST /v1/operator/partners/see-foundation/approve``; the partner
``POST /v1/partner/keys {"name": "prod", "mode": "live", "scopes": [...]}`` → ``sxp_live_…``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Request, Response, status
from starlette.concurrency import run_in_threadpool

from saxaul.api.deps import (
    PartnerDep,
    RateLimitsDep,
    RuntimeDep,
    partner_scope,
    require_operator,
)
from saxaul.api.paging import DEFAULT_PAGE, AfterNumber, Limit
from saxaul.api.problems import problem_responses
from saxaul.api.schemas.partners import (
    CallerKeyOut,
    DecisionIn,
    KeyIn,
    KeyOut,
    KeyPage,
    MemberIn,
    MemberOut,
    MemberPage,
    NewKeyOut,
    OperatorPartnerIn,
    PartnerOut,
    RotatedOut,
    RotateIn,
    SignupIn,
    SignupOut,
    WhoAmIOut,
)
from saxaul.domain.clock import from_us
from saxaul.domain.operators import Permission
from saxaul.domain.paging import next_after_id
from saxaul.domain.partners import PartnerKind, PartnerPrincipal, PartnerStatus, Scope
from saxaul.services import partner_keys, partner_members, partners
from saxaul.services.operator_audit import OperatorAct
from saxaul.services.runtime import Runtime
from saxaul.store.tables import INTEGER_MAX

signup = APIRouter(prefix="/v1/partners", tags=["partners"])
own = APIRouter(prefix="/v1/partner", tags=["partner"])
operator = APIRouter(prefix="/v1/operator/partners", tags=["operator"])
OPERATOR_READS = [require_operator(Permission.PARTNERS_READ)]
Decider = Annotated[OperatorAct, require_operator(Permission.PARTNERS_APPROVE)]

MembersWriter = Annotated[PartnerPrincipal, partner_scope(Scope.MEMBERS_WRITE)]
KeysWriter = Annotated[PartnerPrincipal, partner_scope(Scope.KEYS_WRITE)]
MemberId = Annotated[int, Path(ge=1, le=INTEGER_MAX, description="A member of your organisation.")]
KeyId = Annotated[int, Path(ge=1, le=INTEGER_MAX, description="A key of your organisation.")]
PartnerId = Annotated[str, Path(min_length=1, max_length=64, examples=["see-foundation"])]
NO_CONTENT = {"status_code": status.HTTP_204_NO_CONTENT, "response_class": Response}


def _created(rt: Runtime, body: SignupIn, *, by_operator: bool) -> SignupOut:
    stored, key = partners.signup(
        rt,
        partners.Application(
            partner_id=body.partner_id,
            name_en=body.name_en,
            name_zh=body.name_zh,
            kind=PartnerKind(body.kind),
            contact_email=body.contact_email,
            owner_name=body.owner_name,
        ),
        by_operator=by_operator,
    )
    return SignupOut(partner=PartnerOut.of(stored), key=NewKeyOut.of(key))


@signup.post(
    "",
    summary="Sign an organisation up (no key needed)",
    status_code=status.HTTP_201_CREATED,
    response_model=SignupOut,
    responses=problem_responses("conflict", "invalid_request", "invalid_partner_id"),
)
async def post_signup(
    request: Request, rt: RuntimeDep, limits: RateLimitsDep, body: SignupIn
) -> SignupOut:
    """A pending organisation, its first owner and a sandbox key with every scope; the key's
    secret is in this answer only. Live keys wait for an operator's approval. Sign-ups are
    limited per client address and per partner id, as logins are (`429 rate_limited`)."""
    await limits.sign_in(request, "sign-up", body.partner_id)
    return await run_in_threadpool(_created, rt, body, by_operator=False)


@own.get(
    "",
    summary="My organisation and this key",
    response_model=WhoAmIOut,
    responses=problem_responses("unauthorised"),
)
def get_own(rt: RuntimeDep, principal: PartnerDep) -> WhoAmIOut:
    """The organisation of the presented key, its standing, and the key's mode and scopes."""
    return WhoAmIOut(
        partner=PartnerOut.of(partners.get_partner(rt, principal.partner_id)),
        key=CallerKeyOut(id=principal.key_id, mode=principal.mode, scopes=sorted(principal.scopes)),
    )


@own.get(
    "/members",
    summary="My organisation's members",
    response_model=MemberPage,
    responses=problem_responses("unauthorised", "invalid_request"),
)
def get_members(
    rt: RuntimeDep, principal: PartnerDep, limit: Limit = DEFAULT_PAGE, after_id: AfterNumber = 0
) -> MemberPage:
    """Current members, oldest first, a page at a time."""
    found = partner_members.list_members(rt, principal, limit=limit, after_id=after_id)
    return MemberPage(
        members=[MemberOut.of(m) for m in found],
        next_after_id=next_after_id([m.id for m in found], limit),
    )


@own.post(
    "/members",
    summary="Add a member",
    status_code=status.HTTP_201_CREATED,
    response_model=MemberOut,
    responses=problem_responses("unauthorised", "forbidden", "conflict", "invalid_request"),
)
def post_member(rt: RuntimeDep, principal: MembersWriter, body: MemberIn) -> MemberOut:
    """Add a person with a role (scope `members:write`); 409 if the email is a member's."""
    added = partner_members.add_member(rt, principal, body.email, body.name, body.role)
    return MemberOut.of(added)


@own.delete(
    "/members/{member_id}",
    summary="Remove a member and revoke their keys",
    responses=problem_responses("unauthorised", "forbidden", "not_found", "last_owner"),
    **NO_CONTENT,  # type: ignore[arg-type]
)
def delete_member(rt: RuntimeDep, principal: MembersWriter, member_id: MemberId) -> None:
    """Remove the member now (scope `members:write`): every key acting for them is revoked in
    the same step. The last owner cannot be removed (409 `last_owner`)."""
    partner_members.remove_member(rt, principal, member_id)


@own.get(
    "/keys",
    summary="My organisation's keys (never their secrets)",
    response_model=KeyPage,
    responses=problem_responses("unauthorised", "invalid_request"),
)
def get_keys(
    rt: RuntimeDep, principal: PartnerDep, limit: Limit = DEFAULT_PAGE, after_id: AfterNumber = 0
) -> KeyPage:
    """The keys of both modes, oldest first, with their status, a page at a time; secrets are
    shown only when created."""
    found = partner_keys.list_keys(rt, principal, limit=limit, after_id=after_id)
    return KeyPage(
        keys=[KeyOut.of(k) for k in found],
        next_after_id=next_after_id([k.record.id for k in found], limit),
    )


@own.post(
    "/keys",
    summary="Create a key",
    status_code=status.HTTP_201_CREATED,
    response_model=NewKeyOut,
    responses=problem_responses(
        "unauthorised",
        "forbidden",
        "scope_not_allowed",
        "partner_not_approved",
        "not_found",
        "invalid_request",
    ),
)
def post_key(rt: RuntimeDep, principal: KeysWriter, body: KeyIn) -> NewKeyOut:
    """A new key (scope `keys:write`); its secret is in this answer only. Live keys once your
    organisation is approved (403 `partner_not_approved` before)."""
    issued = partner_keys.create_key(
        rt, principal, body.name, body.mode, frozenset(body.scopes), body.member_id
    )
    return NewKeyOut.of(issued)


@own.post(
    "/keys/{key_id}/rotate",
    summary="Rotate a key, keeping the old one for a grace period",
    status_code=status.HTTP_201_CREATED,
    response_model=RotatedOut,
    responses=problem_responses(
        "unauthorised", "forbidden", "partner_not_approved", "not_found", "key_not_current"
    ),
)
def post_rotate(
    rt: RuntimeDep,
    principal: KeysWriter,
    key_id: KeyId,
    body: Annotated[RotateIn | None, Body()] = None,
) -> RotatedOut:
    """A new key with the old one's name, mode, scopes and member (scope `keys:write`); the
    old key works for `grace_seconds` more (default one day), then is refused."""
    grace = (body or RotateIn()).grace_seconds
    rotated = partner_keys.rotate_key(rt, principal, key_id, grace)
    return RotatedOut(
        key=NewKeyOut.of(rotated.key),
        replaced_key_id=rotated.old_key_id,
        replaced_key_expires_at=from_us(rotated.old_expires_at_us),
    )


@own.delete(
    "/keys/{key_id}",
    summary="Revoke a key at once",
    responses=problem_responses("unauthorised", "forbidden", "not_found"),
    **NO_CONTENT,  # type: ignore[arg-type]
)
def delete_key(rt: RuntimeDep, principal: KeysWriter, key_id: KeyId) -> None:
    """Revoke the key (scope `keys:write`): the very next request with it is refused."""
    partner_keys.revoke_key(rt, principal, key_id)


@operator.get(
    "",
    summary="Partners (operator)",
    dependencies=OPERATOR_READS,
    response_model=list[PartnerOut],
    responses=problem_responses("unauthorised", "invalid_request"),
)
def list_partners(
    rt: RuntimeDep,
    partner_status: Annotated[
        PartnerStatus | None, Query(alias="status", description="Only partners in this status.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[PartnerOut]:
    """Partners by id, e.g. `?status=pending` for applications to decide."""
    return [PartnerOut.of(p) for p in partners.list_partners(rt, partner_status, limit)]


@operator.post(
    "",
    summary="Create a partner of any kind (operator)",
    dependencies=[require_operator(Permission.PARTNERS_WRITE)],
    status_code=status.HTTP_201_CREATED,
    response_model=SignupOut,
    responses=problem_responses("unauthorised", "conflict", "invalid_request"),
)
def post_partner(rt: RuntimeDep, body: OperatorPartnerIn) -> SignupOut:
    """As sign-up, but the kind may also be `operator`; the partner starts pending."""
    return _created(rt, body, by_operator=True)


@operator.get(
    "/{partner_id}",
    summary="One partner (operator)",
    dependencies=OPERATOR_READS,
    response_model=PartnerOut,
    responses=problem_responses("unauthorised", "not_found"),
)
def get_partner(rt: RuntimeDep, partner_id: PartnerId) -> PartnerOut:
    """The partner and the operator's last decision on it."""
    return PartnerOut.of(partners.get_partner(rt, partner_id))


def _decide(
    rt: Runtime, operator_key: OperatorAct, partner_id: str, body: DecisionIn | None, approve: bool
) -> PartnerOut:
    note = None if body is None else body.note
    decided = partners.decide(rt, partner_id, approve=approve, by=operator_key.key_name, note=note)
    return PartnerOut.of(decided)


@operator.post(
    "/{partner_id}/approve",
    summary="Approve a partner: it may then hold live keys (operator)",
    response_model=PartnerOut,
    responses=problem_responses("unauthorised", "not_found", "invalid_request"),
)
def post_approve(
    rt: RuntimeDep,
    operator_key: Decider,
    partner_id: PartnerId,
    body: Annotated[DecisionIn | None, Body()] = None,
) -> PartnerOut:
    """Approve the partner; its webhooks receive `partner.approved` (live mode)."""
    return _decide(rt, operator_key, partner_id, body, approve=True)


@operator.post(
    "/{partner_id}/suspend",
    summary="Suspend a partner: its live keys are refused at once (operator)",
    response_model=PartnerOut,
    responses=problem_responses("unauthorised", "not_found", "invalid_request"),
)
def post_suspend(
    rt: RuntimeDep,
    operator_key: Decider,
    partner_id: PartnerId,
    body: Annotated[DecisionIn | None, Body()] = None,
) -> PartnerOut:
    """Suspend the partner: from the next request on its live keys are refused (401); its
    sandbox keys keep working."""
    return _decide(rt, operator_key, partner_id, body, approve=False)


router = APIRouter()
router.include_router(signup)
router.include_router(own)
router.include_router(operator)
