"""What ``api/guard.py`` costs per request: the guard in front of an app that does nothing.

Why in one process with direct ASGI calls: the guard's cost is microseconds, far below the noise
of a served request, so it is measured on its own, against the same do-nothing app without it,
back to back. The requests are the shapes that matter: no body (most game moves and reads), a
query, a small JSON body, and a 4 MB one near the largest valid body.

Example: ``python -m bench.guard`` → one line per request shape, µs of guard per request.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from starlette.types import Message, Receive, Scope, Send

from saxaul.api.app import create_app
from saxaul.api.guard import RequestGuard
from saxaul.config import Settings

App = Callable[[Scope, Receive, Send], Awaitable[None]]
Shape = tuple[str, str, bytes | None, bytes]

_LARGE = json.dumps(
    {"reversals": [{"award_id": f"a{n}", "reason": "x" * 40} for n in range(60_000)]}
).encode()
SHAPES: dict[str, Shape] = {
    "GET, no body": ("GET", "/v1/me/forest", None, b""),
    "POST, no body": ("POST", "/v1/me/balls/a17/collect", None, b""),
    "GET with a query": ("GET", "/v1/me/ledger", None, b"limit=50&before=3"),
    "POST, small JSON": ("POST", "/v1/auth/login", b'{"user_id":"u1","password":"p4ssw0rd!"}', b""),
    "POST, 4 MB JSON": ("POST", "/v1/reversals", _LARGE, b""),
}


async def _sink(scope: Scope, receive: Receive, send: Send) -> None:
    """An app that reads the body and answers 200, empty."""
    message = await receive()
    while message.get("more_body"):
        message = await receive()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def _scope(app: object, shape: Shape) -> Scope:
    method, path, body, query = shape
    headers = [(b"host", b"bench"), (b"authorization", b"Bearer sxs_bench")]
    if body is not None:
        headers += [(b"content-type", b"application/json")]
        headers += [(b"content-length", str(len(body)).encode())]
    return {
        "type": "http",
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query,
        "headers": headers,
        "app": app,
    }


async def _per_request_us(target: App, scope: Scope, body: bytes, n: int) -> float:
    async def send(message: Message) -> None:
        return None

    started = time.perf_counter()
    for _ in range(n):
        sent = False

        async def receive() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await target(dict(scope), receive, send)
    return (time.perf_counter() - started) / n * 1e6


async def measure(n: int) -> dict[str, float]:
    """µs the guard adds per request of each shape (mean of ``n``; 4 MB: ``n // 100 + 1``),
    after one request of each shape has warmed both up."""
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(Settings(database_url=f"sqlite:///{Path(folder) / 'bench.db'}"))
        guard = RequestGuard(_sink)
        costs = {}
        for name, shape in SHAPES.items():
            count = n // 100 + 1 if len(shape[2] or b"") > 1_000_000 else n
            scope, body = _scope(app, shape), shape[2] or b""
            await _per_request_us(guard, scope, body, 1)
            guarded = await _per_request_us(guard, scope, body, count)
            bare = await _per_request_us(_sink, scope, body, count)
            costs[name] = guarded - bare
        return costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=3_000, help="requests per shape")
    args = parser.parse_args()
    for name, cost in asyncio.run(measure(args.requests)).items():
        print(f"{name:20s} {cost:10.1f} µs of guard per request")


if __name__ == "__main__":
    main()
