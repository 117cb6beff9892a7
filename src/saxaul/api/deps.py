"""Request-scoped dependencies: the runtime, the settings, the operator, a bounded body.

Why dependencies and not code in handlers: authorisation is decided in exactly one place
(``require_operator``), so a handler cannot forget it, and the body limit is enforced before a
single byte is parsed. Handlers declare what they need with the ``Annotated`` aliases below.

Example: ``def opt_out(user_id: str, rt: RuntimeDep, operator: OperatorDep) -> None`` gets the
runtime the lifespan built and the principal of the ``Authorization: Bearer sxk_…`` key, or the
request is refused with 401 before the handler runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from saxaul.api.metrics import EventCounters
from saxaul.api.problems import RequestTooLargeError, UnsupportedMediaTypeError
from saxaul.config import Settings
from saxaul.domain.errors import Unauthorised
from saxaul.services.api_keys import ApiPrincipal, authenticate
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


def get_runtime(request: Request) -> Runtime:
    """The runtime the app's lifespan built (or was given)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


def get_event_counters(request: Request) -> EventCounters:
    """This app's event counters (its own Prometheus registry, never the global one)."""
    counters: EventCounters = request.app.state.event_counters
    return counters


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
EventCountersDep = Annotated[EventCounters, Depends(get_event_counters)]


def require_operator(
    rt: RuntimeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiPrincipal:
    """The principal of the presented operator key; 401 when it is missing, unknown or revoked."""
    if credentials is None:
        raise Unauthorised(
            "this endpoint needs an operator API key: send `Authorization: Bearer sxk_…` "
            "(create one with `saxaul apikey create NAME`)"
        )
    return authenticate(rt, credentials.credentials)


OperatorDep = Annotated[ApiPrincipal, Depends(require_operator)]
OPERATOR_ONLY = Depends(require_operator)
"""Router-level guard: ``APIRouter(dependencies=[OPERATOR_ONLY])`` protects every route on it."""


@dataclass(frozen=True, slots=True)
class Upload:
    """A bulk request body, read in full but no larger than the configured limit."""

    body: bytes
    media_type: str


async def read_upload(request: Request, settings: SettingsDep) -> Upload:
    """The body of a bulk request, refused (415, 413) before anything parses it.

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
