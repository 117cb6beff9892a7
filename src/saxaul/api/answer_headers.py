"""The security headers every answer carries: one rule, in one place, for every route.

Why every answer and not only the pages: a JSON answer is read by browsers too (the pages call
the API with the person's token). ``nosniff`` stops a browser from running an answer as a script
or page whatever its bytes; ``DENY`` and ``no-referrer`` stop an answer from being framed or
from leaking its URL (a share link's token is in its path); ``no-store`` keeps a participant's
forest, a token from the login or a partner's new key out of every cache, shared or not. It is
``no-store`` on every API answer, public ones included: the login answers a token, and which
answers are personal is the routes' business, not a rule this layer should have to know.

Why a middleware of its own and why it is cheap: it touches only the response's start message,
adding the headers the answer does not set itself (the pages set their own, ``pages.HEADERS``,
which this leaves alone); no request is read or parsed, so a game move pays one list scan of
its few headers. It wraps the whole stack (``app.SaxaulAPI.build_middleware_stack``), so the
guard's refusals and the error middleware's ``500`` pass through it too.

Example: ``GET /v1/me/forest`` → ``200`` with ``Cache-Control: no-store``,
``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``, ``Referrer-Policy: no-referrer``.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
"""The headers an answer gets unless it sets its own value of that header."""
_RAW = tuple(
    (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in HEADERS.items()
)


class SecurityHeaders:
    """ASGI middleware adding ``HEADERS`` to every HTTP answer; see the module docstring."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(raw for raw in _RAW if raw[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
