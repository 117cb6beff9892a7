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

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from saxaul.domain.errors import DomainError

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
    "not_found": ProblemKind(404, "Not found"),
    "method_not_allowed": ProblemKind(405, "Method not allowed"),
    "conflict": ProblemKind(409, "Conflict"),
    "already_friends": ProblemKind(409, "Already friends"),
    "pack_conflict": ProblemKind(409, "Methodology pack conflict"),
    "request_too_large": ProblemKind(413, "Request body too large"),
    "unsupported_media_type": ProblemKind(415, "Unsupported media type"),
    "input_rejected": ProblemKind(422, "Input rejected"),
    "pack_invalid": ProblemKind(422, "Methodology pack invalid"),
    "invalid_request": ProblemKind(422, "Invalid request"),
    "own_account": ProblemKind(422, "Not with your own account"),
    "internal_error": ProblemKind(500, "Internal server error"),
}
"""Every code the API answers with. A code missing here keeps its name but gets status 400."""

_FALLBACK = ProblemKind(400, "Bad request")


class RequestTooLargeError(DomainError):
    """The request body is larger than ``SAXAUL_HTTP_MAX_BYTES``; split it into smaller requests."""

    code = "request_too_large"


class UnsupportedMediaTypeError(DomainError):
    """The request body's ``Content-Type`` is not one this endpoint reads."""

    code = "unsupported_media_type"


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
    body: dict[str, Any] = {
        "type": TYPE_BASE + code,
        "title": kind.title,
        "status": kind.status,
        "detail": detail,
        "instance": request.url.path,
        "code": code,
    }
    body.update(jsonable_encoder({k: v for k, v in (fields or {}).items() if k not in _RESERVED}))
    if kind.status == HTTPStatus.UNAUTHORIZED:
        headers = {**(headers or {}), "WWW-Authenticate": "Bearer"}
    return JSONResponse(body, status_code=kind.status, headers=headers, media_type=MEDIA_TYPE)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return problem_response(request, exc.code, exc.detail, exc.fields)


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
    return InvalidParameter(field=name, location=where, reason=str(error.get("msg", "invalid")))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    """Routing refusals (unknown path, wrong method) in the same problem shape."""
    assert isinstance(exc, StarletteHTTPException)
    phrase = HTTPStatus(exc.status_code).phrase
    code = phrase.lower().replace(" ", "_").replace("-", "_")
    kind = PROBLEMS.get(code) or ProblemKind(exc.status_code, phrase)
    return problem_response(request, code, str(exc.detail), kind=kind, headers=exc.headers)


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
