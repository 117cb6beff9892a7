"""The ledger benchmark's HTTP mode: the real app under uvicorn, one move per request.

K client threads each hold one keep-alive connection and send one move per request with the
player's participant token and an Idempotency-Key (``services.game.play_request``'s path), so
the figures include routing, authentication, validation and the stored answer per key. The
server runs in a subprocess with the scheduled jobs off (``SAXAUL_JOBS=false``): the benchmark
mints and expires balls itself, between cells, and nothing else may write while a cell runs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from bench.ledger_workload import (
    BenchConfig,
    Cell,
    MoveStream,
    Tally,
    move_name,
    run_workers,
    worker_seed,
)
from bench.ledger_world import BenchFailed, World
from saxaul.domain.play import Collect, CoPlant, Move, Plant, Pool, Protect, Steal, Water
from saxaul.services import participant_auth
from saxaul.services.runtime import Runtime

Log = Callable[[str], None]

REFUSED_HTTP = frozenset({400, 403, 404, 409, 422, 429})
"""HTTP answers that are game refusals (a problem document with a ``code``), not failures."""


class HttpUnavailable(RuntimeError):
    """The served app has no game routes yet, so the HTTP mode cannot run."""


HTTP_ROUTES: dict[str, tuple[str, str]] = {
    "collect": ("POST", "/v1/me/balls/{ball_id}/collect"),
    "steal": ("POST", "/v1/friends/{user_id}/balls/{ball_id}/steal"),
    "water": ("POST", "/v1/friends/{user_id}/water"),
    "protect": ("POST", "/v1/me/covers"),
    "plant": ("POST", "/v1/me/trees"),
    "co_plant": ("POST", "/v1/me/co-plantings"),
    "pool": ("POST", "/v1/trees/{tree_id}/pool"),
}
"""The game routes the HTTP mode calls (``api/routers/game.py``); checked against the served
OpenAPI document first."""


def _http_request(move: Move, world: World) -> tuple[str, str, dict[str, Any] | None]:
    """The method, path and JSON body that ask the served app for ``move``."""
    match move:
        case Collect(ball_id=ball_id):
            method, path = HTTP_ROUTES["collect"]
            return method, path.format(ball_id=ball_id), None
        case Steal(ball_id=ball_id):
            method, path = HTTP_ROUTES["steal"]
            owner = world.owner.get(ball_id, move.actor)
            return method, path.format(user_id=owner, ball_id=ball_id), None
        case Water(friend=friend, amount_g=amount_g):
            method, path = HTTP_ROUTES["water"]
            return method, path.format(user_id=friend), {"amount_g": amount_g}
        case Protect(hours=hours):
            method, path = HTTP_ROUTES["protect"]
            return method, path, {"hours": hours}
        case Plant(species_id=species_id):
            method, path = HTTP_ROUTES["plant"]
            return method, path, {"species_id": species_id}
        case CoPlant(species_id=species_id, friends=friends):
            method, path = HTTP_ROUTES["co_plant"]
            return method, path, {"species_id": species_id, "friends": list(friends)}
        case Pool(tree_id=tree_id, amount_g=amount_g):
            method, path = HTTP_ROUTES["pool"]
            return method, path.format(tree_id=tree_id), {"amount_g": amount_g}
    raise ValueError(f"no HTTP route for {move!r}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def serve(database_url: str, log: Log) -> Iterator[str]:
    """The app under uvicorn in a subprocess on a free port; its base URL while it runs.

    The app is loaded by name, as an operator would serve it (``uvicorn
    saxaul.api.app:create_app --factory``), with ``SAXAUL_*`` settings from the environment.
    """
    port = _free_port()
    env = {**os.environ, "SAXAUL_DATABASE_URL": database_url, "SAXAUL_JOBS": "false"}
    command = [sys.executable, "-m", "uvicorn", "saxaul.api.app:create_app", "--factory"]
    options = ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    process = subprocess.Popen([*command, *options, "--no-access-log"], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            if process.poll() is not None:
                raise BenchFailed(f"the server exited with {process.returncode} before serving")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            time.sleep(0.1)
        else:
            raise BenchFailed("the server did not answer /healthz within 30 s")
        log(f"  server pid {process.pid} on {base}")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def require_game_routes(base: str) -> None:
    """Refuse to run the HTTP mode against an app that serves no game routes."""
    served = set(httpx.get(f"{base}/openapi.json", timeout=10).json().get("paths", {}))
    missing = sorted({path for _, path in HTTP_ROUTES.values()} - served)
    if missing:
        raise HttpUnavailable(
            "the served app lacks these game routes, so the HTTP mode cannot run: "
            + ", ".join(missing)
            + " (see HTTP_ROUTES in bench/ledger_http.py)"
        )


def issue_tokens(rt: Runtime, players: Sequence[str], threads: int) -> dict[str, str]:
    """A participant token for each player (what an app backend would obtain for them).

    One transaction each; on PostgreSQL several threads issue them side by side, on SQLite one
    (its writers queue on the file lock, and more threads only add the busy handler's sleeps).
    """

    def issue(player: str) -> tuple[str, str]:
        return player, participant_auth.issue_token(rt, player, dt.timedelta(hours=2)).token

    if rt.db.engine.dialect.name == "sqlite" or threads <= 1:
        return dict(map(issue, players))
    with ThreadPoolExecutor(threads) as pool:
        return dict(pool.map(issue, players))


def http_cell(
    base: str, world: World, tokens: dict[str, str], cell: Cell, config: BenchConfig
) -> tuple[Tally, float]:
    """K client threads send one move per request, each with its player's token and a key."""

    def work(k: int, deadline: float, tally: Tally) -> None:
        stream = MoveStream(
            world, cell.distribution, cell.day, worker_seed(config, cell, k), f"h{k}"
        )
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        with httpx.Client(base_url=base, timeout=60, limits=limits) as client:
            while time.perf_counter() < deadline:
                ((move, key),) = stream.take(1)
                method, path, body = _http_request(move, world)
                headers = {
                    "Authorization": f"Bearer {tokens[move.actor]}",
                    "Idempotency-Key": key,
                }
                started = time.perf_counter()
                response = client.request(method, path, json=body, headers=headers)
                tally.latencies.append(time.perf_counter() - started)
                kind = move_name(move)
                if response.status_code < 300:
                    tally.applied[kind] += 1
                elif response.status_code in REFUSED_HTTP:
                    code = _problem_code(response)
                    tally.refused[f"{kind}:{code}"] += 1
                else:
                    tally.errors.append(f"{method} {path} → {response.status_code}")
                    if len(tally.errors) > 20:
                        return

    return run_workers(config.threads, config.seconds, work)


def _problem_code(response: Any) -> str:
    try:
        return str(response.json().get("code", response.status_code))
    except ValueError:
        return str(response.status_code)
