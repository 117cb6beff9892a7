"""A partner's webhook receiver for the demo: a tiny HTTP server on 127.0.0.1, in a thread.

Why it exists: the demo shows deliveries arriving, so it needs something listening; the
standard library's ``http.server`` is enough, and it is stopped when the step ends.

Example: ``with local_receiver() as inbox: …`` → ``inbox.url`` to subscribe, ``inbox.types``
the event types received.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(slots=True)
class Inbox:
    """Where the receiver listens, and the event types it acknowledged."""

    url: str = ""
    types: Counter[str] = field(default_factory=Counter)


@contextmanager
def local_receiver() -> Iterator[Inbox]:
    """A receiver on a free port of 127.0.0.1 answering 200 to every POST, stopped on leaving."""
    inbox = Inbox()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            event = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with lock:
                inbox.types[str(event["type"])] += 1
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    inbox.url = f"127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield inbox
    finally:
        server.shutdown()
        server.server_close()
