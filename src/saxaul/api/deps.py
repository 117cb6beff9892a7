"""Request-scoped dependencies: the runtime, the settings, the caller, a bounded body.

Why dependencies and not code in handlers: authorisation is decided in one place per kind of
caller (``require_operator(permission)`` for operator keys, ``require_participant`` for
participant tokens), so a handler cannot forget it, and the body limit is enforced before a
single byte is parsed. Each of them counts the caller it resolved against its rate limit
(``rate_limits``), so no request reaches a handler uncounted, and counting needs no lookup of its
own. Handlers declare what they need with the ``Annotated`` aliases below; an operator route
names the one permission it needs (``domain.operators``) where it is declared, and
``tests/api/test_auth.py`` fails for an operator route that names none.

Why the dependencies are ``async``: FastAPI runs a plain ``def`` dependency on a worker thread,
and each hop to a thread and back costs more than what these do (read ``app.state``, look a
token up in memory). Only the work that may block (a credential not in ``rt.sessions`` or
``rt.operator_keys``, which reads the store) goes to a thread.

Example: ``def opt_out(user_id: str, rt: RuntimeDep, act: Annotated[OperatorAct,
require_operator(Permission.PARTICIPANTS_CONSENT)]) -> None`` gets the runtime the lifespan built
and the act of the ``Authorization: Bearer sxk_…`` key, or the request is refused before the
handler runs: 401 without a live key, 403 ``forbidden_role`` when the key's role lacks the
permission.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from saxaul.api.metrics import EventCounters
from saxaul.api.problems import (
    RequestTooLargeError,
    UnsupportedMediaTypeError,
    problem_responses,
)
from saxaul.api.rate_limits import RateLimits, rate_limits
from saxaul.config import Settings
from saxaul.domain.errors import Unauthorised
from saxaul.domain.operators import PERSONAL_DATA, Permission, RoleRefused, holders, require
from saxaul.domain.partners import PartnerPrincipal, Scope
from saxaul.ingest.columns import MAX_CHARS
from saxaul.services.api_keys import ApiPrincipal, authenticate, remembered_key
from saxaul.services.operator_audit import OperatorAct, record_refusal
from saxaul.services.participant_auth import (
    ParticipantPrincipal,
    authenticate_participant,
    remembered_participant,
)
from saxaul.services.partners import authenticate_partner
from saxaul.services.runtime import Runtime

JSON_ARRAY = "application/json"
NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl")
"""NDJSON goes by several names; the first is the one documented."""
BULK_MEDIA_TYPES = (JSON_ARRAY, *NDJSON_TYPES)

_bearer = HTTPBearer(
    auto_error=False,
    bearerFormat="sxk_…",
    description="An operator API key, created with `saxaul apikey create NAME`.",
)
_participant_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ParticipantToken",
    bearerFormat="sxs_…",
    description="A participant token from `POST /v1/auth/login` (or issued by the operator "
    "to an app backend with `POST /v1/participants/{user_id}/tokens`).",
)


async def get_runtime(request: Request) -> Runtime:
    """The runtime the app's lifespan built (or was given)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


async def get_event_counters(request: Request) -> EventCounters:
    """This app's event counters (its own Prometheus registry, never the global one)."""
    counters: EventCounters = request.app.state.event_counters
    return counters


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
EventCountersDep = Annotated[EventCounters, Depends(get_event_counters)]
RateLimitsDep = Annotated[RateLimits, Depends(rate_limits)]


async def authenticate_operator(
    request: Request,
    rt: RuntimeDep,
    limits: RateLimitsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiPrincipal:
    """The principal of the presented operator key; 401 when it is missing, unknown or revoked,
    429 when the key has spent its rate limit.

    It says who the key is, not what it may do: routes use ``require_operator(permission)``."""
    if credentials is None:
        raise Unauthorised(
            "this endpoint needs an operator API key: send `Authorization: Bearer sxk_…` "
            "(create one with `saxaul apikey create NAME --role ROLE`)"
        )
    secret = credentials.credentials
    principal = remembered_key(rt, secret)
    if principal is None:
        principal = await run_in_threadpool(authenticate, rt, secret)
    await limits.caller(request, "operator", str(principal.key_id))
    return principal


OperatorKeyDep = Annotated[ApiPrincipal, Depends(authenticate_operator)]


@dataclass(frozen=True, slots=True)
class OperatorGuard:
    """The dependency ``require_operator`` makes: the key's act if its role holds ``permission``.

    A refusal of a personal-data permission on a route naming a participant is audited too
    (outcome ``forbidden_role``): an attempt to read someone is as much the auditor's business
    as a read. A path "id" no participant could have (longer than any enrolled one) is not.
    """

    permission: Permission

    async def __call__(self, request: Request, rt: RuntimeDep, key: OperatorKeyDep) -> OperatorAct:
        route = request.scope["route"]
        act = OperatorAct(
            key_id=key.key_id,
            key_name=key.name,
            role=key.role,
            permission=self.permission,
            method=request.method,
            route=route.path,
        )
        try:
            require(key.role, self.permission)
        except RoleRefused as refusal:
            user_id = request.path_params.get("user_id", "")
            if self.permission in PERSONAL_DATA and 0 < len(user_id) <= MAX_CHARS["user_id"]:
                await run_in_threadpool(record_refusal, rt, act, user_id, refusal.code)
            raise
        return act


def require_operator(permission: Permission) -> Any:
    """A dependency giving the ``OperatorAct`` of a key whose role holds ``permission``.

    Example: ``act: Annotated[OperatorAct, require_operator(Permission.PARTNERS_APPROVE)]``
    as a parameter, or ``dependencies=[require_operator(Permission.JOBS_RUN)]`` on the route
    when the handler does not need to know who called.
    """
    return Depends(OperatorGuard(permission))


def operator_permissions(route: APIRoute | RouteContext) -> list[Permission]:
    """The permissions a route's dependencies require of an operator key (one, for every
    operator route; none for the others)."""
    found: list[Permission] = []
    root: Dependant | None = getattr(route, "dependant", None)  # a page or a mount has none
    pending: list[Dependant] = [] if root is None else [root]
    while pending:
        dependant = pending.pop()
        if isinstance(dependant.call, OperatorGuard):
            found.append(dependant.call.permission)
        pending.extend(dependant.dependencies)
    return found


def document_permissions(app: FastAPI, document: dict[str, Any]) -> None:
    """Say in each operator operation of the OpenAPI ``document`` which permission it needs and
    which roles hold it, and document its 403 ``forbidden_role``."""
    refused = {
        str(status): answer for status, answer in problem_responses("forbidden_role").items()
    }
    for route in iter_route_contexts(app.routes):
        for permission in operator_permissions(route):
            needs = (
                f"Needs an operator key whose role holds `{permission.value}` "
                f"({', '.join(holders(permission))})."
            )
            for method in route.methods or ():
                operation = document["paths"][route.path][method.lower()]
                operation["responses"].update(refused)
                operation["description"] = f"{operation.get('description', '')}\n\n{needs}".strip()


async def participant_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_participant_bearer)],
) -> str:
    """The presented participant token, unchecked; 401 when there is none."""
    if credentials is None:
        raise Unauthorised(
            "this endpoint needs a participant token: log in with POST /v1/auth/login and send "
            "`Authorization: Bearer sxs_…`",
            detail_zh="此接口需要登录：请先调用 POST /v1/auth/login 登录，并携带返回的令牌",
        )
    return credentials.credentials


ParticipantTokenDep = Annotated[str, Depends(participant_token)]
"""The raw token, for the one handler that acts on the token itself (logout)."""


async def require_participant(
    request: Request, rt: RuntimeDep, limits: RateLimitsDep, token: ParticipantTokenDep
) -> ParticipantPrincipal:
    """The participant of the presented token; 401 when missing, unknown, ended or expired,
    429 when the participant (all their tokens together) has spent their rate limit.

    Why there is no user id to compare: participant routes act on ``principal.user_id`` only
    (``/v1/me/…``), so a valid token can never reach another participant's data.
    """
    principal = remembered_participant(rt, token)
    if principal is None:
        principal = await run_in_threadpool(authenticate_participant, rt, token)
    await limits.caller(request, "participant", principal.user_id)
    return principal


ParticipantDep = Annotated[ParticipantPrincipal, Depends(require_participant)]

_partner_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="PartnerKey",
    bearerFormat="sxp_test_… | sxp_live_…",
    description="A partner API key: a sandbox key comes with sign-up (`POST /v1/partners`); "
    "live keys exist once an operator has approved the organisation.",
)


async def require_partner(
    request: Request,
    rt: RuntimeDep,
    limits: RateLimitsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_partner_bearer)],
) -> PartnerPrincipal:
    """The partner of the presented key; 401 when it is missing, unknown, revoked or expired,
    429 when the key has spent its rate limit.

    Why the store is read every time (no cache): ``services.partners`` says why.
    """
    if credentials is None:
        raise Unauthorised(
            "this endpoint needs a partner API key: send `Authorization: Bearer sxp_…` "
            "(sign up with POST /v1/partners)"
        )
    principal = await run_in_threadpool(authenticate_partner, rt, credentials.credentials)
    await limits.caller(request, "partner", str(principal.key_id))
    return principal


PartnerDep = Annotated[PartnerPrincipal, Depends(require_partner)]


def partner_scope(scope: Scope) -> object:
    """A dependency giving the partner principal of a key that holds ``scope`` (else 403).

    Example: ``partner: Annotated[PartnerPrincipal, partner_scope(Scope.ORDERS_READ)]``.
    """

    async def scoped(principal: PartnerDep) -> PartnerPrincipal:
        principal.require(scope)
        return principal

    scoped.__name__ = f"require_{scope.value.replace(':', '_')}"
    return Depends(scoped)


@dataclass(frozen=True, slots=True)
class Upload:
    """A bulk request body, read in full but no larger than the configured limit."""

    body: bytes
    media_type: str


async def read_upload(request: Request, settings: SettingsDep, limits: RateLimitsDep) -> Upload:
    """The body of a bulk request, refused (415, 413, 429) before anything parses it.

    The upload counts against the caller's bulk limit, once the caller's own dependency has
    counted the request (every bulk route authenticates first).

    Both the declared ``Content-Length`` and the bytes actually received are checked, so a
    client that lies about the length, or streams chunked, still cannot exceed the limit.
    """
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type not in BULK_MEDIA_TYPES:
        raise UnsupportedMediaTypeError(
            f"send the events as {JSON_ARRAY} (an array) or {NDJSON_TYPES[0]}, "
            f"not {media_type or 'a body without Content-Type'}",
            accepted=list(BULK_MEDIA_TYPES),
        )
    await limits.bulk_request(request)
    limit = settings.http_max_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    body = bytearray()
    async for part in request.stream():
        body += part
        if len(body) > limit:
            raise _too_large(limit)
    return Upload(bytes(body), media_type)


def _too_large(limit: int) -> RequestTooLargeError:
    return RequestTooLargeError(
        f"the body is larger than {limit} bytes; split the events over several requests",
        max_bytes=limit,
    )


UploadDep = Annotated[Upload, Depends(read_upload)]


def reads_upload(route: RouteContext) -> bool:
    """Whether the route takes a bulk body (``UploadDep``), which the ingest layer checks."""
    pending: list[Dependant] = [route.dependant]
    while pending:
        dependant = pending.pop()
        if dependant.call is read_upload:
            return True
        pending.extend(dependant.dependencies)
    return False
