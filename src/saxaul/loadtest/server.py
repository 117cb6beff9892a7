"""The real server in a subprocess, started as an operator starts it, on a free local port.

Why a subprocess: the figures must include everything a deployment pays (process start-up
options, the ASGI server, workers) and the load must not share the server's interpreter (its
GIL). ``server_command`` is the one place that says how the server is started: ``saxaul serve
--workers N`` once that option exists (found by asking ``saxaul serve --help``), else the app
factory under uvicorn, as the ledger benchmark always ran it. The scheduled jobs are off
(``--no-jobs``, ``SAXAUL_JOBS=false``): the load test mints balls itself, before the load, and
nothing else may write while it runs; so are the rate limits (``SAXAUL_RATE_LIMITS=false``).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from pathlib import Path

from saxaul.loadtest.world import BenchFailed

Log = Callable[[str], None]

HOST = "127.0.0.1"
READY_WITHIN_S = 60.0
"""How long the server may take to answer ``/healthz`` (imports, migrations check, workers)."""
STOP_WITHIN_S = 15.0
"""How long the server may take to stop on SIGTERM before it is killed."""
SERVER_ENV = {"SAXAUL_JOBS": "false", "SAXAUL_RATE_LIMITS": "false"}
"""Settings of the measured server beyond its database: no scheduled jobs (the load mints its
balls first) and no rate limits (thousands of players playing from one machine, several moves
a second each, is a load to measure, not a caller to slow down)."""


class HttpUnavailable(RuntimeError):
    """The served app lacks routes the load needs, so it cannot run."""


@cache
def serve_takes_workers() -> bool:
    """Whether this installation's ``saxaul serve`` has a ``--workers`` option."""
    shown = subprocess.run(
        [sys.executable, "-m", "saxaul", "serve", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"},
        check=False,
    )
    return "--workers" in shown.stdout


def server_command(port: int, workers: int | None) -> list[str]:
    """The command that serves the app on ``port``: the one place to change how it is started.

    ``workers`` is passed to ``saxaul serve --workers`` when that option exists; without it,
    only one process can serve, and asking for more is refused rather than silently ignored.
    """
    where = ["--host", HOST, "--port", str(port)]
    if serve_takes_workers():
        command = [sys.executable, "-m", "saxaul", "serve", *where, "--no-jobs"]
        return command + (["--workers", str(workers)] if workers else [])
    if workers not in (None, 1):
        raise BenchFailed(
            f"--workers {workers}: this installation's `saxaul serve` has no --workers option"
        )
    factory = [sys.executable, "-m", "uvicorn", "saxaul.api.app:create_app", "--factory"]
    return [*factory, *where, "--log-level", "warning", "--no-access-log"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return int(response.status) == 200
    except (OSError, urllib.error.URLError):
        return False


@contextlib.contextmanager
def serve(
    database_url: str, log: Log, *, workers: int | None = None, output: Path | None = None
) -> Iterator[str]:
    """The app served in a subprocess on a free port; its base URL while it runs.

    The server's own output goes to ``output`` (its access log would drown the progress lines
    and must never reach the benchmark's stdout, which carries the JSON); without a file it
    goes to stderr. Its last lines are logged if it dies before answering.
    """
    port = _free_port()
    env = {**os.environ, "SAXAUL_DATABASE_URL": database_url, **SERVER_ENV}
    command = server_command(port, workers)
    with contextlib.ExitStack() as stack:
        sink = stack.enter_context(output.open("wb")) if output else sys.stderr
        process = subprocess.Popen(
            command, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
        stack.callback(_stop, process)
        base = f"http://{HOST}:{port}"
        started = time.perf_counter()
        while not _answers(f"{base}/healthz"):
            if process.poll() is not None:
                raise BenchFailed(
                    f"the server exited with {process.returncode} before serving"
                    + (f":\n{_tail(output)}" if output else "")
                )
            if time.perf_counter() - started > READY_WITHIN_S:
                raise BenchFailed(f"the server did not answer /healthz within {READY_WITHIN_S} s")
            time.sleep(0.1)
        log(f"  server pid {process.pid} on {base}: {' '.join(command[1:])}")
        yield base


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (a graceful shutdown), then SIGKILL to the server's own process group."""
    process.terminate()
    try:
        process.wait(timeout=STOP_WITHIN_S)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _tail(path: Path, lines: int = 20) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""


def require_routes(base: str, paths: Iterable[str]) -> None:
    """Refuse to load an app that does not serve every path the load calls."""
    with urllib.request.urlopen(f"{base}/openapi.json", timeout=10) as response:
        served = set(json.load(response).get("paths", {}))
    missing = sorted(set(paths) - served)
    if missing:
        raise HttpUnavailable(
            "the served app lacks these game routes, so the HTTP load cannot run: "
            + ", ".join(missing)
        )
