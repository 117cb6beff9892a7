"""The ledger benchmark's HTTP mode: the real server, one move per request from client threads.

K client threads each hold one httpx keep-alive connection and send one move per request with
the player's participant token and an Idempotency-Key (``services.game.play_request``'s path),
so the figures include routing, authentication, validation and the stored answer per key. The
server, the routes and the tokens are the HTTP load's (``saxaul.loadtest``); ``saxaul bench
http`` drives the same server with many cheap asyncio clients instead of threads.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from bench.ledger_workload import BenchConfig, Cell, Tally, run_workers, worker_seed
from saxaul.loadtest.moves import REFUSED_HTTP, MoveStream, http_request, move_name
from saxaul.loadtest.world import World


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
                method, path, body = http_request(move, world)
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
