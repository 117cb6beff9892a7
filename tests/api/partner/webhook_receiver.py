"""A real HTTP receiver on 127.0.0.1 for webhook tests, verifying signatures as a partner would.

Each request is answered by the next entry of a script (then ``200`` for ever): an HTTP status,
``"close"`` (the connection is closed without an answer) or ``"hang"`` (no answer until well
past the dispatcher's timeout). Only 2xx answers count as received. ``redirect_to`` goes in
the ``Location`` of every answer; ``answer_bytes`` is the size of every answer's body, streamed
until the client stops reading (``Receiver.answered_bytes`` counts what it took).

Given a TLS context, the receiver speaks HTTPS (its URL is ``https://127.0.0.1:…``): the only
scheme a live subscription may use (``domain/webhooks.check_url``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOLERANCE_S = 300
"""How old a signature's timestamp a receiver accepts (the Stripe default)."""
HANG_S = 1.5
CHUNK = 64 * 1024
"""Bytes of an answer's body written at once."""


def verify(secret: str, header: str, body: bytes, now_s: float) -> bool:
    """What a partner's receiver does: a ``v1`` HMAC matches and ``t`` is recent."""
    items = [part.split("=", 1) for part in header.split(",")]
    t = next(int(v) for k, v in items if k == "t")
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    signed = any(hmac.compare_digest(v, expected) for k, v in items if k == "v1")
    return signed and abs(now_s - t) <= TOLERANCE_S


@dataclass
class Receiver:
    """What the receiver was sent: every request, and the bodies it acknowledged."""

    url: str
    script: list[int | str]
    requests: list[dict[str, Any]] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)
    answered_bytes: int = 0

    def event_ids(self) -> list[str]:
        """Ids of the events acknowledged, in the order they arrived."""
        return [body["id"] for body in self.received]


@contextmanager
def receiver(
    script: list[int | str] | None = None,
    tls: ssl.SSLContext | None = None,
    *,
    redirect_to: str | None = None,
    answer_bytes: int = 2,
) -> Iterator[Receiver]:
    """A receiver on a free port of 127.0.0.1 (HTTPS with ``tls``), stopped on leaving."""
    lock = threading.Lock()
    state = Receiver(url="", script=list(script or []))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            with lock:
                action = state.script.pop(0) if state.script else 200
                entry = {"headers": dict(self.headers), "raw": raw, "answer": action}
                state.requests.append(entry)
            if action == "close":
                self.close_connection = True
                return
            if action == "hang":
                time.sleep(HANG_S)
                self.close_connection = True
                return
            assert isinstance(action, int)
            if 200 <= action < 300:
                with lock:
                    state.received.append(json.loads(raw) | {"_headers": dict(self.headers)})
                    state.received[-1]["_raw"] = raw
            self.send_response(action)
            if redirect_to is not None:
                self.send_header("Location", redirect_to)
            self.send_header("Content-Length", str(answer_bytes))
            self.end_headers()
            chunk = b"k" * min(answer_bytes, CHUNK)
            try:
                for start in range(0, answer_bytes, CHUNK):
                    self.wfile.write(chunk[: answer_bytes - start])
                    with lock:
                        state.answered_bytes += len(chunk[: answer_bytes - start])
            except OSError:  # the client read what it wanted and closed
                self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    scheme = "http" if tls is None else "https"
    state.url = f"{scheme}://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
