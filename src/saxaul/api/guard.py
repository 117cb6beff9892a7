"""The door every request passes first: bounded bodies, and only text the store can keep.

Why one middleware and not checks in each route or schema: a rule written per field is a rule
some field forgets, and the cost of forgetting is a 500 (PostgreSQL refuses text with NUL; a
JSON body nested 100 000 deep exhausts a recursive parser). Here every request is checked once,
before routing, against the route it will reach:

- a body larger than ``SAXAUL_HTTP_MAX_JSON_BYTES`` → 413 ``request_too_large`` (``max_bytes``),
  refused from its ``Content-Length`` or as soon as the bytes received pass the limit;
- a JSON body that is not UTF-8 JSON → 422 ``invalid_request``, and one nested deeper than
  ``SAXAUL_HTTP_MAX_JSON_DEPTH`` → 422 (``max_depth``), measured on the raw bytes before any
  parser runs;
- a NUL character or an unpaired surrogate (not storable Unicode) in a path parameter, a query
  parameter, or a string or key of a JSON body → 422 ``invalid_request`` naming the field.

Why it costs next to nothing on most requests: it runs before every request, so the common case
does no parsing it need not. A path or query is parsed only when its text holds a NUL (or, for
a path, anything unstorable), and only then is the route matched to name the field; a request
without a body is not matched at all; what each route decides is worked out once; and a valid
JSON body is walked string by string only when its bytes hold an escape that can spell a NUL
or a surrogate.

Bulk bodies (the routes that read ``UploadDep``) are the ingest layer's: it bounds them itself
and quarantines a bad row while the good rows proceed, so only their path and query are checked
here. Example: ``POST /v1/auth/login {"user_id": "a\\u0000b", …}`` → 422 with ``"field":
"user_id"``; ``GET /v1/trees/a%00b`` → 422 with ``"field": "tree_id"``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from fastapi.routing import RouteContext, iter_route_contexts
from starlette.requests import Request
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from saxaul.api.deps import reads_upload
from saxaul.api.problems import InvalidParameter, problem_response
from saxaul.config import Settings

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
"""A JSON string token, escapes included: removed before brackets are counted."""
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_SQUARE = bytes.maketrans(b"{}", b"[]")
_JSON_TYPES = ("application/json",)
_UNSTORABLE_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89abcdefABCDEF][0-9a-fA-F]{2})")
"""The only way valid JSON in strict UTF-8 spells a NUL or a surrogate: a ``\\u`` escape. A body
without one needs no walk over its strings (one with an escaped backslash before ``u0000``, or
with paired surrogates, is walked and found storable)."""


class RequestGuard:
    """ASGI middleware enforcing the rules above; see the module docstring for why."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._known: tuple[_Route, ...] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        invalid = _bad_parameters(scope, self._routes(scope))
        if invalid:
            await _refuse(Request(scope), invalid, scope, receive, send)
            return
        if not _has_body(scope):
            await self.app(scope, receive, send)
            return
        route, _ = _match(scope, self._routes(scope))
        if route is None or not route.checks_body:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        settings: Settings = scope["app"].state.settings
        limit, max_depth = settings.http_max_json_bytes, settings.http_max_json_depth
        body = await _read_body(request, receive, limit)
        if body is None:
            detail = f"the body is larger than {limit} bytes"
            tell = problem_response(request, "request_too_large", detail, {"max_bytes": limit})
            await tell(scope, receive, send)
            return
        if body and _is_json(request):
            if _depth_exceeds(body, max_depth):
                reason = f"the JSON body nests arrays and objects deeper than {max_depth} levels"
                too_deep = [_body_problem(reason)]
                await _refuse(request, too_deep, scope, receive, send, max_depth=max_depth)
                return
            invalid = _bad_json(body)
            if invalid:
                await _refuse(request, invalid, scope, receive, send)
                return
        await self.app(scope, _replay(body, receive), send)

    def _routes(self, scope: Scope) -> tuple[_Route, ...]:
        """The app's routes with what each decides, worked out on the first request only.

        Why once: listing the routes builds a context per route, and whether a route takes a
        bulk body means walking its dependencies; neither changes once the app serves.
        """
        if self._known is None:
            self._known = tuple(
                _Route(route, hasattr(route, "dependant") and not reads_upload(route))
                for route in iter_route_contexts(scope["app"].routes)
            )
        return self._known


@dataclass(frozen=True, slots=True)
class _Route:
    """A route, and whether its JSON body is this guard's to check (an API route, not bulk)."""

    context: RouteContext
    checks_body: bool


def _has_body(scope: Scope) -> bool:
    """Whether the request may carry a body: HTTP/1 sends none without a length or chunking."""
    headers: dict[bytes, bytes] = dict(scope["headers"])
    declared = headers.get(b"content-length")
    if declared is not None:
        return declared.strip() != b"0"
    version: str = scope.get("http_version", "1.1")
    return b"transfer-encoding" in headers or not version.startswith("1")


def _match(scope: Scope, routes: tuple[_Route, ...]) -> tuple[_Route | None, dict[str, Any]]:
    """The route the request will reach and its path parameters, if any route fits."""
    for route in routes:
        match, child = route.context.matches(scope)
        if match is Match.FULL:
            return route, dict(child.get("path_params", {}))
    return None, {}


def _bad_parameters(scope: Scope, routes: tuple[_Route, ...]) -> list[InvalidParameter]:
    """Unstorable path and query parameters, named; the route is matched only to name one."""
    found: list[InvalidParameter] = []
    if not _storable(scope["path"]):
        _, path_params = _match(scope, routes)
        found = [
            _unstorable(name, str(value), "path")
            for name, value in path_params.items()
            if isinstance(value, str) and not _storable(value)
        ]
    raw_query: bytes = scope.get("query_string", b"")
    if b"%00" not in raw_query and b"\x00" not in raw_query:
        return found  # decoding (latin-1, or UTF-8 with replacement) yields no surrogate either
    for name, value in parse_qsl(raw_query.decode("latin-1"), keep_blank_values=True):
        if not _storable(name):
            found.append(_unstorable(name, name, "query"))
        elif not _storable(value):
            found.append(_unstorable(name, value, "query"))
    return found


async def _read_body(request: Request, receive: Receive, limit: int) -> bytes | None:
    """The whole body, or ``None`` as soon as it is known to be over ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        body += message.get("body", b"")
        if len(body) > limit:
            return None
        more = message.get("more_body", False)
    return bytes(body)


def _is_json(request: Request) -> bool:
    """Whether FastAPI would parse the body as JSON: no media type, JSON or ``+json``."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    return not media_type or media_type in _JSON_TYPES or media_type.endswith("+json")


def _bad_json(body: bytes) -> list[InvalidParameter]:
    """What is wrong with a JSON body: not UTF-8 JSON, or text the store cannot keep."""
    try:
        document = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return [_body_problem(f"the body is not UTF-8 (byte {exc.start} is not)")]
    except ValueError as exc:
        return [_body_problem(f"the body is not valid JSON: {exc}")]
    if not _UNSTORABLE_ESCAPE.search(body):
        return []
    return [
        _unstorable(name, value, "body")
        for name, value in _strings(document, ())
        if not _storable(value)
    ]


def _depth_exceeds(body: bytes, max_depth: int) -> bool:
    """Whether brackets nest deeper than ``max_depth``, found without a recursive parser.

    Strings are dropped (their brackets are text), what remains is reduced to brackets, and
    each round deletes the innermost ``[]`` pairs: a body of depth d is empty after d rounds.
    Brackets left when no pair is (``]]…[[``) never close, and count as levels too. Each round
    is one pass in C, so even megabytes of brackets cost milliseconds.
    """
    brackets = _STRING.sub(b"", body).translate(_SQUARE, _NOT_BRACKETS)
    for rounds in range(max_depth + 1):
        reduced = brackets.replace(b"[]", b"")
        if reduced == brackets:
            return rounds + brackets.count(b"[") > max_depth
        brackets = reduced
    return True


def _strings(value: Any, path: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """Every string of a parsed JSON document, keys included, with its dotted field name."""
    stack: list[tuple[Any, tuple[str, ...]]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            yield ".".join(where) or "body", item
        elif isinstance(item, dict):
            for key, child in item.items():
                yield ".".join((*where, key)), key
                stack.append((child, (*where, key)))
        elif isinstance(item, list):
            stack.extend((child, (*where, str(n))) for n, child in enumerate(item))


def _storable(text: str) -> bool:
    """Text both stores keep as sent: no NUL, and valid Unicode (no unpaired surrogate)."""
    if "\x00" in text:
        return False
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _unstorable(name: str, value: str, location: str) -> InvalidParameter:
    what = "a NUL character (\\u0000)" if "\x00" in value else "an unpaired surrogate"
    return InvalidParameter(
        field=name.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\u0000"),
        location=location,
        reason=f"text may not contain {what}",
    )


def _body_problem(reason: str) -> InvalidParameter:
    return InvalidParameter(field="body", location="body", reason=reason)


async def _refuse(
    request: Request,
    invalid: list[InvalidParameter],
    scope: Scope,
    receive: Receive,
    send: Send,
    **context: Any,
) -> None:
    """Answer ``invalid_request`` in the shape of a failed validation, plus ``context``."""
    fields = {
        "field": invalid[0].field,
        "errors": [error.model_dump() for error in invalid],
        **context,
    }
    detail = "; ".join(f"{error.field}: {error.reason}" for error in invalid)
    await problem_response(request, "invalid_request", detail, fields)(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the app the body already read, then the client's messages."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
