"""The one table from error codes to HTTP, and RFC 9457 problem bodies for every refusal.

Why one table: a domain error knows its stable ``code`` but never its HTTP status, so the CLI,
import summaries and the API share codes while only this module decides what HTTP says. The
same table documents each route's error responses in OpenAPI (``problem_responses``).

Example: ``NotFound("no methodology pack 'x'", ref="x")`` raised under
``GET /v1/methodology/packs/x`` becomes ``404 application/problem+json``::

    {"type": "https://saxaul.dev/problems/not_found", "title": "Not found", "status": 404,
     "detail": "no methodology pack 'x'", "instance": "/v1/methodology/packs/x",
     "code": "not_found", "ref": "x"}
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from saxaul.api import i18n
from saxaul.domain.errors import DomainError
from saxaul.services.runtime import Runtime

logger = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://saxaul.dev/problems/"
_RESERVED = frozenset({"type", "title", "status", "detail", "instance", "code"})


@dataclass(frozen=True, slots=True)
class ProblemKind:
    """What HTTP says for one error code: the status and a short, fixed title."""

    status: int
    title: str


PROBLEMS: Mapping[str, ProblemKind] = {
    "unauthorised": ProblemKind(401, "Unauthorised"),
    "forbidden": ProblemKind(403, "Forbidden"),
    # the game: not yours to do (403), not now or not any more (409), not a valid choice (422)
    "not_friends": ProblemKind(403, "Not friends"),
    "not_owner": ProblemKind(403, "Not the owner"),
    "own_ball": ProblemKind(403, "Your own ball"),
    "not_initiator": ProblemKind(403, "Not the initiator of this co-planting"),
    "live_key_required": ProblemKind(403, "Live key required"),
    # partners: what a key or role may not do, or an organisation not yet approved
    "scope_not_allowed": ProblemKind(403, "Scope not allowed"),
    # operators: a key whose role lacks the route's permission
    "forbidden_role": ProblemKind(403, "Role lacks permission"),
    "partner_not_approved": ProblemKind(403, "Partner not approved"),
    "report_link_expired": ProblemKind(403, "Report link expired"),
    "not_found": ProblemKind(404, "Not found"),
    "report_link_invalid": ProblemKind(404, "Report link not genuine"),
    "method_not_allowed": ProblemKind(405, "Method not allowed"),
    "conflict": ProblemKind(409, "Conflict"),
    "already_friends": ProblemKind(409, "Already friends"),
    "pack_conflict": ProblemKind(409, "Methodology pack conflict"),
    "not_ripe": ProblemKind(409, "Not ripe yet"),
    "expired": ProblemKind(409, "Expired"),
    "already_stolen": ProblemKind(409, "Already stolen"),
    "covered": ProblemKind(409, "Covered"),
    "nothing_to_take": ProblemKind(409, "Nothing to take"),
    "insufficient_energy": ProblemKind(409, "Insufficient energy"),
    "already_covered": ProblemKind(409, "Already covered"),
    "not_funding": ProblemKind(409, "Not funding"),
    "not_promised": ProblemKind(409, "Not promised yet"),
    "already_exists": ProblemKind(409, "Already exists"),
    "no_capacity": ProblemKind(409, "No project has room for this species"),
    "capacity_below_allocated": ProblemKind(409, "Capacity below what is already promised"),
    "order_not_proposed": ProblemKind(409, "Order not proposed"),
    "order_not_accepted": ProblemKind(409, "Order not accepted"),
    "wrong_tree_status": ProblemKind(409, "Wrong tree status"),
    "idempotency_key_reused": ProblemKind(409, "Idempotency-Key reused"),
    "scenario_state": ProblemKind(409, "Scenario not in that state"),
    "sandbox_required": ProblemKind(409, "Sandbox run required"),
    "last_owner": ProblemKind(409, "Last owner"),
    "key_not_current": ProblemKind(409, "Key not current"),
    "subscription_disabled": ProblemKind(409, "Webhook subscription disabled"),
    "delivery_pending": ProblemKind(409, "Delivery still pending"),
    "already_decided": ProblemKind(409, "Abuse flag already decided"),
    "not_minted": ProblemKind(409, "Flagged ball not minted yet"),
    "hold_refused": ProblemKind(409, "Held energy could not move"),
    # the ledger refused a move's transfers (state changed under the request): try again
    "exists": ProblemKind(409, "Transfer exists"),
    "exists_with_different_fields": ProblemKind(409, "Transfer exists with different fields"),
    "exceeds_balance": ProblemKind(409, "Exceeds balance"),
    "accounts_must_exist": ProblemKind(409, "Accounts must exist"),
    "same_account": ProblemKind(409, "Same account"),
    "amount_must_be_positive": ProblemKind(409, "Amount must be positive"),
    "participant_erased": ProblemKind(410, "Participant erased"),
    "request_too_large": ProblemKind(413, "Request body too large"),
    "unsupported_media_type": ProblemKind(415, "Unsupported media type"),
    "input_rejected": ProblemKind(422, "Input rejected"),
    "pack_invalid": ProblemKind(422, "Methodology pack invalid"),
    "invalid_request": ProblemKind(422, "Invalid request"),
    "unknown_event_type": ProblemKind(422, "Unknown event type"),
    "invalid_webhook_url": ProblemKind(422, "Webhook URL not allowed"),
    "webhook_address_refused": ProblemKind(422, "Webhook address not public"),
    "own_account": ProblemKind(422, "Not with your own account"),
    "not_a_step": ProblemKind(422, "Not a watering step"),
    "not_a_cover": ProblemKind(422, "Not a cover offered"),
    "more_than_needed": ProblemKind(422, "More than needed"),
    "unknown_species": ProblemKind(422, "Unknown species"),
    "project_invalid": ProblemKind(422, "Project invalid"),
    "price_mismatch": ProblemKind(422, "Price differs from the species' cost"),
    "too_many_planters": ProblemKind(422, "Too many planters"),
    "duplicate_planter": ProblemKind(422, "Planter named twice"),
    "partner_refused": ProblemKind(422, "Partner request refused"),
    "invalid_partner_id": ProblemKind(422, "Invalid partner id"),
    "invalid_partner_kind": ProblemKind(422, "Invalid partner kind"),
    "unknown_scope": ProblemKind(422, "Unknown scope"),
    "unknown_role": ProblemKind(422, "Unknown operator role"),
    "invalid_grace": ProblemKind(422, "Invalid grace period"),
    "invalid_period": ProblemKind(422, "Invalid report period"),
    "evidence_invalid": ProblemKind(422, "Evidence invalid"),
    "statement_invalid": ProblemKind(422, "Statement not genuine or not consistent"),
    "tree_not_in_order": ProblemKind(422, "Tree not in the order"),
    "daily_limit": ProblemKind(429, "Daily limit reached"),
    "rate_limited": ProblemKind(429, "Too many requests"),
    "internal_error": ProblemKind(500, "Internal server error"),
}
"""Every code the API answers with. A code missing here keeps its name but gets status 400."""

MISSING_REASONS: Mapping[str, str] = {
    "Idempotency-Key": "send an Idempotency-Key header (1 to 128 characters): a new one for "
    "each action you intend, and the same one again when you retry it, so a retry is never "
    "applied twice",
}
"""Why a required parameter matters, said instead of pydantic's bare "Field required"."""

_FALLBACK = ProblemKind(400, "Bad request")


class RequestTooLargeError(DomainError):
    """The request body is larger than ``SAXAUL_HTTP_MAX_BYTES``; split it into smaller requests."""

    code = "request_too_large"


class UnsupportedMediaTypeError(DomainError):
    """The request body's ``Content-Type`` is not one this endpoint reads."""

    code = "unsupported_media_type"


class RateLimitedError(DomainError):
    """Too many requests from one caller, address or account; retry after ``retry_after_s``.

    ``headers`` (``Retry-After`` and the IETF draft ``RateLimit`` headers) go on the answer.
    """

    code = "rate_limited"

    def __init__(self, detail: str, *, headers: Mapping[str, str], **fields: Any) -> None:
        super().__init__(detail, **fields)
        self.headers = headers


class InvalidParameter(BaseModel):
    """One request parameter that failed validation."""

    field: str = Field(description="Dotted name of the parameter, e.g. `limit` or `user_id`.")
    location: str = Field(description="Where it was: `query`, `path`, `header` or `body`.")
    reason: str = Field(description="What is wrong with it, in plain words.")


class Problem(BaseModel):
    """An RFC 9457 problem: why a request was refused, readable by people and by code."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(
        description="URI naming the problem kind: `https://saxaul.dev/problems/<code>`."
    )
    title: str = Field(
        description="Short summary of the problem kind; the same for every instance."
    )
    status: int = Field(description="The HTTP status code of this response.")
    detail: str = Field(description="What went wrong this time and how to fix it.")
    detail_zh: str | None = Field(
        default=None,
        description="The detail in Chinese, for refusals a participant reads; times on the "
        "clock of the game rules' zone (Asia/Shanghai).",
    )
    instance: str = Field(description="The request path the problem occurred on.")
    code: str = Field(description="Stable snake_case error code; branch on this, not on `detail`.")
    field: str | None = Field(
        default=None, description="The input field at fault, when one is (e.g. `version`)."
    )
    errors: list[InvalidParameter] | None = Field(
        default=None, description="For `invalid_request`: every parameter that failed validation."
    )


def problem_response(
    request: Request,
    code: str,
    detail: str,
    fields: Mapping[str, Any] | None = None,
    *,
    kind: ProblemKind | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The ``application/problem+json`` response for ``code``; ``fields`` add context members.

    ``kind`` overrides the table, for statuses Starlette decides itself (e.g. 405).
    """
    kind = kind or PROBLEMS.get(code, _FALLBACK)
    fields = fields or {}
    body: dict[str, Any] = {
        "type": TYPE_BASE + code,
        "title": kind.title,
        "status": kind.status,
        "detail": detail,
        "instance": request.url.path,
        "code": code,
    }
    body.update(jsonable_encoder({k: v for k, v in fields.items() if k not in _RESERVED}))
    if "detail_zh" not in body:
        zh = _detail_zh(request, code, fields)
        if zh is not None:
            body["detail_zh"] = zh
    if kind.status == HTTPStatus.UNAUTHORIZED:
        headers = {**(headers or {}), "WWW-Authenticate": "Bearer"}
    return JSONResponse(body, status_code=kind.status, headers=headers, media_type=MEDIA_TYPE)


def _detail_zh(request: Request, code: str, fields: Mapping[str, Any]) -> str | None:
    """The Chinese detail from ``i18n``, with times in the rules' zone at the runtime's now."""
    rt: Runtime | None = getattr(request.app.state, "runtime", None)
    if rt is None:  # refused before the lifespan started: nothing a participant reads
        return None
    return i18n.detail_zh(code, fields, rt.clock.now(), ZoneInfo(rt.rules.timezone))


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    headers = exc.headers if isinstance(exc, RateLimitedError) else None
    return problem_response(request, exc.code, exc.detail, exc.fields, headers=headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [_invalid_parameter(error) for error in exc.errors()]
    detail = "; ".join(f"{e.field}: {e.reason}" for e in errors) or "the request is invalid"
    first = errors[0].field if errors else None
    return problem_response(
        request,
        "invalid_request",
        detail,
        {"field": first, "errors": [e.model_dump() for e in errors]},
    )


def _invalid_parameter(error: Mapping[str, Any]) -> InvalidParameter:
    location: Sequence[str | int] = error.get("loc", ())
    where = str(location[0]) if location else "request"
    name = ".".join(str(part) for part in location[1:]) or where
    reason = str(error.get("msg", "invalid"))
    if error.get("type") == "missing":
        reason = MISSING_REASONS.get(name, reason)
    return InvalidParameter(field=name, location=where, reason=reason)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    """Routing refusals (unknown path, wrong method) in the same problem shape."""
    assert isinstance(exc, StarletteHTTPException)
    phrase = HTTPStatus(exc.status_code).phrase
    code = phrase.lower().replace(" ", "_").replace("-", "_")
    kind = PROBLEMS.get(code) or ProblemKind(exc.status_code, phrase)
    headers = exc.headers
    if exc.status_code == HTTPStatus.METHOD_NOT_ALLOWED:
        headers = {**(headers or {}), "Allow": ", ".join(_allowed_methods(request))}
    return problem_response(request, code, str(exc.detail), kind=kind, headers=headers)


def _allowed_methods(request: Request) -> list[str]:
    """Every method of the request's path, across the routes that serve it.

    Why not Starlette's header: it names only the methods of the first route whose path
    matched, and each method of a path is its own route here (``GET`` and ``POST
    /v1/me/trees``).
    """
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods.update(getattr(route, "methods", None) or ())
    return sorted(methods)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    """A bug: log it with its traceback, and tell the client nothing about the internals."""
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        request, "internal_error", "an unexpected error occurred; the operator has the details"
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every refusal, expected or not, as ``application/problem+json``."""
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)


def problem_responses(*codes: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` documenting ``codes`` as problem JSON, grouped by status."""
    by_status: dict[int, list[str]] = {}
    for code in codes:
        by_status.setdefault(PROBLEMS[code].status, []).append(code)
    return {
        status: {
            "description": " or ".join(f"`{c}`: {PROBLEMS[c].title}" for c in grouped),
            "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status, grouped in sorted(by_status.items())
    }
