"""The app under a real uvicorn server on a loopback port, in a background thread.

Why a real server rather than ``TestClient``: some tests need a real socket — a keep-alive
connection, many concurrent clients, a browser loading the page over HTTP.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

START_S = 15
"""How long the server may take to start before the test fails."""


def free_port() -> int:
    """A port nobody listens on now (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def live_server(app: FastAPI, *, logs: bool = False) -> Iterator[int]:
    """Serve ``app`` on 127.0.0.1 while the block runs; yields the port, stops on leaving.

    With ``logs``, uvicorn logs as ``saxaul serve`` does (a line per request) at DEBUG, into the
    standard loggers without a configuration of its own, so ``caplog`` sees every record.
    """
    port = free_port()
    quiet = {"log_level": "warning", "access_log": False}
    verbose = {"log_level": "debug", "access_log": True, "log_config": None}
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, **(verbose if logs else quiet))
    )
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_S
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=START_S)
