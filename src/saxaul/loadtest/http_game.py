"""The HTTP load: thousands of signed-in players playing the real server, then the ledger audit.

What runs (``run_http_bench``): pgbench TPC-B on the same PostgreSQL (the anchor); a fresh
schema; a world of N players built through the services (``world.build_world``: friendships,
a big starting ball collected, three days of balls ripe at the real now and one day not ripe
yet); a participant token for every player (``participant_auth.issue_token``, what an app
backend obtains for its signed-in users); the real server in a subprocess (``server.serve``);
then, for each clients level, K asyncio clients each holding one keep-alive connection and
playing its own share of the players for S seconds, one move per request with the player's
token and an Idempotency-Key; after each level ``ledger_audit.audit`` must find every gram.

Why each client plays its own players: a player is one phone, and two clients acting as the
same player at once is not the load a server sees. Why a queue of ripe balls per client: a
collect takes the whole ball, so collects drawn at random would mostly find empty balls; each
client collects its players' ripe balls oldest day first, and says how often it ran out
(``collects_without_a_fresh_ball``: raise ``--players`` when it is not 0).

The mix (``GAME_MIX``) is mostly collects, some steals, waterings, covers, plants, co-plantings
and pools, and three kinds of intended refusals: collecting a ball that is not ripe, stealing
from a player who is not a friend, stealing again from a ball already stolen from. Every
answer is 2xx (applied), a game refusal (a problem document with its ``code``: counted apart,
by code), or an error: a 5xx, any other status, a refusal that only a broken harness could
cause (``HARNESS_FAULTS``), a timeout or a connection failure.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import json
import os
import statistics
import tempfile
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from saxaul.bootstrap import bootstrap
from saxaul.catalogue import shipped_energy_rules
from saxaul.config import Settings
from saxaul.domain.clock import to_us
from saxaul.domain.play import Collect, Move, Steal
from saxaul.loadtest.client import Connection, ProtocolError, encode_request
from saxaul.loadtest.machine import durability, machine
from saxaul.loadtest.moves import HTTP_ROUTES, REFUSED_HTTP, MoveStream, http_request, move_name
from saxaul.loadtest.pgbench import run_pgbench
from saxaul.loadtest.scratch import postgres_url, scratch_database
from saxaul.loadtest.server import require_routes, serve
from saxaul.loadtest.world import METRO_BY_KM, Timeline, World, build_world, make_graph
from saxaul.services import participant_auth
from saxaul.services.balls import expire_balls
from saxaul.services.ledger_audit import audit
from saxaul.services.runtime import Runtime
from saxaul.sim.clock import DemoClock

Log = Callable[[str], None]

GAME_MIX: tuple[tuple[str, int], ...] = (
    ("collect", 66),
    ("steal", 12),
    ("water", 5),
    ("protect", 2),
    ("plant", 2),
    ("co_plant", 2),
    ("pool", 5),
    ("collect_unripe", 2),
    ("steal_not_friend", 2),
    ("steal_again", 2),
)
"""Share of each kind of request, in percent: what a day of play looks like from the server,
mostly players collecting their own balls."""
INTENDED_REFUSALS: Mapping[str, str] = {
    "collect_unripe": "not_ripe",
    "steal_not_friend": "not_friends",
    "steal_again": "already_stolen",
}
"""The refusal each intended-refusal kind asks for (a steal again repeats the first steal's
answer when that one was refused too)."""
HARNESS_FAULTS = frozenset({"unauthorised", "invalid_request", "idempotency_key_reused"})
"""Refusal codes that mean the load itself is wrong (a bad token, body or key): errors."""
RIPE_DAYS = 3
"""Days of balls ripe at the real now: the most the shipped rules keep ripe and unexpired."""
TOKEN_TTL = dt.timedelta(hours=6)
"""How long the players' tokens live: longer than any sensible run."""
SIGN_IN_THREADS = 8
"""Players signed in side by side (one transaction each) before the load."""
RETRY_AFTER_FAILURE_S = 0.05
"""A client whose request failed waits this long before the next, so a dead server yields a
count of errors rather than a busy loop."""
REMEMBERED_STEALS = 64
"""A client steals again from one of its latest steals."""
STRANGER_DRAWS = 20
"""Draws to find a player who is not the actor's friend (almost every draw is one)."""
MOVES_PER_VISIT = 5
"""Moves a player makes each time they open the app before the client turns to another of its
players: a participant taps their ripe balls and visits a friend or two in one sitting, so the
server sees a few requests under one token within seconds, not one request per token."""


@dataclass(frozen=True, slots=True)
class HttpBenchConfig:
    """What to run; the defaults are what ``saxaul bench http`` runs."""

    players: int = 12_000
    """Enough that 256 clients for 30 s after 32 clients for 30 s still find ripe balls to
    collect (5,000 ran out: 8,705 collects found none)."""
    clients: tuple[int, ...] = (32, 256)
    seconds: float = 30.0
    postgres_url: str = field(default_factory=postgres_url)
    workers: int | None = None
    """``saxaul serve --workers``; ``None``: the server's default."""
    pgbench_seconds: int = 10
    """0: pgbench is not run (no ratio)."""
    pgbench_clients: int = 32
    moves_per_visit: int = MOVES_PER_VISIT
    seed: int = 2016


class FreshBalls:
    """Every player's ripe balls nobody has asked to collect yet, oldest day first.

    Kept for the whole run, so a later clients level does not collect what an earlier one
    took. Each player belongs to one client at a time, so no two clients pop the same queue.
    """

    def __init__(self, world: World) -> None:
        self._queues: dict[str, collections.deque[str]] = collections.defaultdict(collections.deque)
        for day in world.timeline.http_days:  # oldest day first: it expires first
            for player, ids in world.balls[day].items():
                self._queues[player].extend(ids)

    def take(self, player: str) -> str | None:
        """The player's next fresh ball, if any is left."""
        queue = self._queues.get(player)
        return queue.popleft() if queue else None

    def left(self, players: Sequence[str] | None = None) -> int:
        """Fresh balls left (of ``players``, or of everyone)."""
        names = self._queues if players is None else players
        return sum(len(self._queues.get(p, ())) for p in names)


class GameStream(MoveStream):
    """One client's moves: its own players, their fresh balls, ``GAME_MIX``."""

    def __init__(
        self,
        world: World,
        players: Sequence[str],
        ripe: Mapping[str, tuple[str, ...]],
        fresh: FreshBalls,
        seed: int,
        tag: str,
        moves_per_visit: int = MOVES_PER_VISIT,
    ) -> None:
        super().__init__(world, "uniform", world.timeline.http_days[0], seed, tag, GAME_MIX)
        self._own = tuple(players)
        self._visit = (self._own[0], 0)
        """Who is playing now, and how many moves of their visit are left."""
        self._moves_per_visit = moves_per_visit
        self._balls = ripe  # steals aim at any ripe ball of a friend, of every ripe day
        self._players = world.graph.players
        self._zipf_friends = world.graph.zipf  # stored as friendships too: no stranger there
        unripe = world.timeline.unripe_day
        self._unripe = world.balls[unripe] if unripe is not None else {}
        self._fresh = fresh
        self._collecting = [p for p in self._own if fresh.left([p])]
        self._stolen: collections.deque[Steal] = collections.deque(maxlen=REMEMBERED_STEALS)
        self.exhausted = 0
        """Collects drawn after this client's players' fresh balls ran out."""

    def _actor(self) -> str:
        player, left = self._visit
        if left <= 0:
            player, left = self._rng.choice(self._own), self._moves_per_visit
        self._visit = (player, left - 1)
        return player

    def _kind(self) -> str:
        kind = super()._kind()
        return "steal" if kind == "steal_again" and not self._stolen else kind

    def _move(self, kind: str, actor: str, key: str) -> Move:
        rng = self._rng
        if kind == "collect":
            own = self._fresh.take(actor)
            if own is not None:
                return Collect(actor, own)
            while self._collecting:
                owner = rng.choice(self._collecting)
                ball = self._fresh.take(owner)
                if ball is not None:
                    return Collect(owner, ball)
                self._collecting.remove(owner)
            self.exhausted += 1
        elif kind == "collect_unripe":
            return Collect(actor, rng.choice(self._unripe.get(actor) or ("none",)))
        elif kind == "steal_not_friend":
            stranger = self._stranger(actor)
            return Steal(actor, rng.choice(self._balls.get(stranger) or ("none",)))
        elif kind == "steal_again":
            return rng.choice(self._stolen)
        move = super()._move(kind, actor, key)
        if isinstance(move, Steal):
            self._stolen.append(move)
        return move

    def _stranger(self, actor: str) -> str:
        friends = (*self._friends[actor], *self._zipf_friends[actor])
        for _ in range(STRANGER_DRAWS):
            other = self._rng.choice(self._players)
            if other != actor and other not in friends:
                return other
        return actor  # a tiny world where everyone is a friend: stealing one's own is refused too


@dataclass(slots=True)
class LevelTally:
    """What the clients of one level saw."""

    applied: collections.Counter[str] = field(default_factory=collections.Counter)
    refused: collections.Counter[str] = field(default_factory=collections.Counter)
    unexpected: collections.Counter[str] = field(default_factory=collections.Counter)
    """Intended refusals the server applied instead."""
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    ended: float = 0.0

    def error(self, what: str) -> None:
        """Count a failed request and keep the first few for the report."""
        self.errors += 1
        if len(self.error_samples) < 20:
            self.error_samples.append(what[:300])


def issue_tokens(rt: Runtime, players: Sequence[str], threads: int) -> dict[str, str]:
    """A participant token for each player (what an app backend would obtain for them).

    One transaction each; on PostgreSQL several threads issue them side by side, on SQLite one
    (its writers queue on the file lock, and more threads only add the busy handler's sleeps).
    """

    def issue(player: str) -> tuple[str, str]:
        return player, participant_auth.issue_token(rt, player, TOKEN_TTL).token

    if rt.db.engine.dialect.name == "sqlite" or threads <= 1:
        return dict(map(issue, players))
    with ThreadPoolExecutor(threads) as pool:
        return dict(pool.map(issue, players))


def ripe_balls(world: World) -> dict[str, tuple[str, ...]]:
    """Every player's balls of every day ripe at the real now."""
    merged: dict[str, list[str]] = collections.defaultdict(list)
    for day in world.timeline.http_days:
        for player, ids in world.balls[day].items():
            merged[player].extend(ids)
    return {player: tuple(ids) for player, ids in merged.items()}


async def _play(
    conn: Connection,
    stream: GameStream,
    world: World,
    tokens: Mapping[str, str],
    host: str,
    deadline: float,
    tally: LevelTally,
) -> None:
    """One client: a move per request on its connection until the deadline."""
    clock = time.perf_counter
    while clock() < deadline:
        kind, move, key = stream.next_kind()
        method, path, body = http_request(move, world)
        headers = {"Authorization": f"Bearer {tokens[move.actor]}", "Idempotency-Key": key}
        data = None if body is None else json.dumps(body).encode()
        request = encode_request(method, path, host, headers, data)
        started = clock()
        try:
            answer = await conn.send(request)
        except (
            OSError,
            TimeoutError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            ProtocolError,
            ValueError,  # a malformed status or length
        ) as exc:
            tally.error(f"{method} {path}: {type(exc).__name__}: {exc}")
            await asyncio.sleep(RETRY_AFTER_FAILURE_S)
            continue
        tally.latencies.append(clock() - started)
        if answer.status < 300:
            tally.applied[move_name(move)] += 1
            if kind in INTENDED_REFUSALS:
                tally.unexpected[kind] += 1
            continue
        code = _problem_code(answer.body) if answer.status in REFUSED_HTTP else None
        if code is None or code in HARNESS_FAULTS:
            tally.error(f"{method} {path} → {answer.status} {answer.body[:200]!r}")
        else:
            tally.refused[f"{kind}:{code}"] += 1
    tally.ended = max(tally.ended, clock())


def _problem_code(body: bytes) -> str | None:
    try:
        code = json.loads(body).get("code")
    except (ValueError, AttributeError):
        return None
    return str(code) if code else None


async def _level(
    base: str,
    world: World,
    fresh: FreshBalls,
    tokens: Mapping[str, str],
    clients: int,
    seconds: float,
    seed: int,
    moves_per_visit: int,
) -> tuple[LevelTally, float, list[GameStream]]:
    """``clients`` connections opened first, then played together for ``seconds``."""
    parts = urlsplit(base)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    ripe = ripe_balls(world)
    players = world.graph.players
    streams = [
        GameStream(
            world,
            players[k::clients],
            ripe,
            fresh,
            zlib.crc32(f"{seed}:http:{clients}:{k}".encode()),
            f"c{clients}-{k}",
            moves_per_visit,
        )
        for k in range(clients)
    ]
    tally = LevelTally()
    connections = [Connection(host, port) for _ in range(clients)]
    try:
        await asyncio.gather(*(conn.open() for conn in connections))
        started = time.perf_counter()
        deadline = started + seconds
        await asyncio.gather(
            *(
                _play(conn, stream, world, tokens, parts.netloc, deadline, tally)
                for conn, stream in zip(connections, streams, strict=True)
            )
        )
    finally:
        await asyncio.gather(*(conn.close() for conn in connections))
    return tally, tally.ended - started, streams


def level_figures(
    tally: LevelTally,
    seconds: float,
    pgbench_tps: float | None,
    streams: Sequence[GameStream],
    fresh: FreshBalls,
) -> dict[str, Any]:
    """A level's rates, latencies and errors, and its rate as a ratio to pgbench's tps."""
    applied = sum(tally.applied.values())
    refused = sum(tally.refused.values())
    moves = applied + refused
    lat = sorted(tally.latencies)

    def ms(q: float) -> float | None:
        return round(1000 * lat[min(len(lat) - 1, int(q * len(lat)))], 2) if lat else None

    moves_per_s = moves / seconds if seconds > 0 else 0.0
    return {
        "clients": len(streams),
        "seconds": round(seconds, 3),
        "moves": moves,
        "applied": applied,
        "refused": refused,
        "moves_per_s": round(moves_per_s, 1),
        "applied_per_s": round(applied / seconds, 1) if seconds > 0 else 0.0,
        "refused_per_s": round(refused / seconds, 1) if seconds > 0 else 0.0,
        "p50_ms": round(1000 * statistics.median(lat), 2) if lat else None,
        "p99_ms": ms(0.99),
        "p99_9_ms": ms(0.999),
        "max_ms": round(1000 * lat[-1], 2) if lat else None,
        "errors": tally.errors,
        "error_samples": tally.error_samples,
        "pgbench_tps": pgbench_tps,
        "ratio": round(moves_per_s / pgbench_tps, 4) if pgbench_tps else None,
        "applied_by_move": dict(sorted(tally.applied.items())),
        "refused_by_code": dict(tally.refused.most_common()),
        "intended_refusals_applied": dict(tally.unexpected),
        "collects_without_a_fresh_ball": sum(s.exhausted for s in streams),
        "fresh_balls_left": fresh.left(),
    }


def audit_summary(rt: Runtime) -> dict[str, Any]:
    """The ledger audit as the benchmarks print it: ``conserved`` when every gram is where the
    transfers say, and the totals by kind of account."""
    started = time.perf_counter()
    found = audit(rt)
    return {
        "conserved": found.ok,
        "seconds": round(time.perf_counter() - started, 2),
        "accounts": found.accounts,
        "transfers": found.transfers,
        "issued_g": found.issued_g,
        "by_kind_g": dict(sorted(found.by_kind.items())),
        "problems": found.problems[:20],
    }


def _audit(rt: Runtime, log: Log) -> dict[str, Any]:
    summary = audit_summary(rt)
    log(f"  audit: {'conserved' if summary['conserved'] else 'BROKEN'} {summary}")
    return summary


def run_http_bench(config: HttpBenchConfig, log: Log) -> dict[str, Any]:
    """Run every clients level against one world and one server; every figure, as JSON."""
    started = time.perf_counter()
    result: dict[str, Any] = {
        "machine": machine(),
        "config": {
            "players": config.players,
            "clients": list(config.clients),
            "seconds": config.seconds,
            "workers": config.workers,
            "pgbench_seconds": config.pgbench_seconds,
            "pgbench_clients": config.pgbench_clients,
            "mix_percent": dict(GAME_MIX),
            "seed": config.seed,
        },
    }
    pgbench_tps: float | None = None
    if config.pgbench_seconds > 0:
        result["pgbench"] = run_pgbench(
            config.postgres_url, config.pgbench_seconds, log, clients=config.pgbench_clients
        )
        pgbench_tps = float(result["pgbench"]["tps"])
    rules_zone = shipped_energy_rules().timezone  # decides which days are ripe now
    timeline = Timeline.for_cells(
        0, RIPE_DAYS, dt.datetime.now(ZoneInfo(rules_zone)).date(), rules_zone, unripe=True
    )
    graph = make_graph(config.players, config.seed)
    with (
        tempfile.TemporaryDirectory(prefix="saxaul-http-bench-") as tmp,
        scratch_database("postgresql", Path(tmp), config.postgres_url, "http") as url,
    ):
        clock = DemoClock(timeline.imported_at(0))
        log(f"set-up of {config.players:,} players …")
        rt = bootstrap(Settings(database_url=url, activity_packs=METRO_BY_KM), clock=clock)
        try:
            result["durability"] = durability(rt.db.engine)
            world = build_world(rt, clock, graph, timeline, Path(tmp), log)
            result["setup"] = world.setup
            clock.set(dt.datetime.now(dt.UTC))
            clock.run()  # the server's time is the real time
            expire_balls(rt)
            signing_in = time.perf_counter()
            tokens = issue_tokens(rt, graph.players, SIGN_IN_THREADS)
            result["setup"]["sign_in_seconds"] = round(time.perf_counter() - signing_in, 1)
            log(f"  signed in {len(tokens):,} players")
            result["levels"] = _levels(rt, url, world, tokens, config, pgbench_tps, tmp, log)
        finally:
            rt.db.dispose()
    result["seconds_total"] = round(time.perf_counter() - started, 1)
    result["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    result["measured_at_us"] = to_us(dt.datetime.now(dt.UTC))
    return result


def _levels(
    rt: Runtime,
    url: str,
    world: World,
    tokens: Mapping[str, str],
    config: HttpBenchConfig,
    pgbench_tps: float | None,
    tmp: str,
    log: Log,
) -> dict[str, Any]:
    levels: dict[str, Any] = {}
    fresh = FreshBalls(world)
    with serve(url, log, workers=config.workers, output=Path(tmp) / "server.log") as base:
        require_routes(base, (path for _, path in HTTP_ROUTES.values()))
        for clients in config.clients:
            log(f"{clients} clients, {config.seconds:g} s …")
            cpu = time.process_time()
            tally, seconds, streams = asyncio.run(
                _level(
                    base,
                    world,
                    fresh,
                    tokens,
                    clients,
                    config.seconds,
                    config.seed,
                    config.moves_per_visit,
                )
            )
            figures = level_figures(tally, seconds, pgbench_tps, streams, fresh)
            figures["client_cpu_s"] = round(time.process_time() - cpu, 2)
            log(
                f"  {figures['moves_per_s']:,} moves/s ({figures['applied_per_s']:,} applied, "
                f"{figures['refused_per_s']:,} refused); p50 {figures['p50_ms']} ms, "
                f"p99 {figures['p99_ms']} ms, p99.9 {figures['p99_9_ms']} ms; "
                f"{figures['errors']} errors; client CPU {figures['client_cpu_s']} s"
            )
            figures["audit"] = _audit(rt, log)
            figures["conserved"] = figures["audit"]["conserved"]
            levels[str(clients)] = figures
    return levels
