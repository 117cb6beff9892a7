"""Acceptance: 32 clients play the forest game at once over HTTP on PostgreSQL, and afterwards
every gram issued is accounted for and no Idempotency-Key was applied twice.

A real uvicorn server runs the app in a background thread on a fresh PostgreSQL schema; the
set-up (players, dense friendships, ripe balls, four players rich enough to plant) goes through
the services on the same ``Runtime``, so server and set-up share one fake clock. Each of 32
threads, with its own HTTP connection, plays random moves for ``PLAY_SECONDS`` as a random
player: collect, steal (half of both on four hot balls), water, protect, plant, co-plant, pool
and cancel. Some requests are sent again with the same key, one after the other or by another
thread at the same moment (a client retrying over a second connection), and a few reuse a key
for a different request.

Checks: the audit finds nothing broken; issued = participants + balls + tree pools + planted +
expired + debt, to the gram; no transfer id twice; every key-carrying move applied once (one
stored answer, one transfer, tree or cover per key, and every 200 for a key is that answer); no
ball gave more than it held; no friend stole twice from a ball. Then the clock passes expiry,
the expiry job runs over HTTP, and conservation is checked again.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from saxaul.api.app import create_app
from saxaul.bootstrap import bootstrap
from saxaul.config import Settings
from saxaul.domain.accounts import key_of
from saxaul.domain.ledger import AccountKind
from saxaul.domain.play import Collect
from saxaul.services import friends, game
from saxaul.services.api_keys import create_api_key
from saxaul.services.balls import mint_balls
from saxaul.services.imports import import_event_body
from saxaul.services.ledger_audit import audit
from saxaul.services.participant_auth import issue_token
from saxaul.services.runtime import Runtime
from tests.conftest import FakeClock
from tests.game_world import BUS_G, enrol
from tests.live_server import live_server

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]

PLAYERS = [f"p{n:02d}" for n in range(40)]
WORKERS = 32
PLAY_SECONDS = 20.0
FRIEND_SHARE = 0.35
"""Chance that two players are friends, on top of a ring that gives everyone two."""
RICH = PLAYERS[:4]
RICH_TRIPS = 500
"""Bus rides in each rich player's one big ball: 40,000 g, two trees' worth."""
SHY = PLAYERS[4:10]
"""The only players who put on covers, so stealing from the others stays possible. Each one's
last ball is never named by any move, so however fast the server plays, the expiry job at the
end has balls to expire."""
HOT = 4
DAYS = [dt.date(2026, 11, 2), dt.date(2026, 11, 3), dt.date(2026, 11, 4)]
SPECIES = ["caragana", "saxaul", "hedysarum"]
RETRY_SHARE = 0.15
"""Requests sent twice in a row with the same key (a client retrying after a timeout)."""
RACE_SHARE = 0.10
"""Requests also left for another thread to send at the same moment with the same key."""
REUSE_SHARE = 0.03
"""Requests that reuse an earlier key of the same player for a different action."""


@dataclass(frozen=True, slots=True)
class Call:
    """One HTTP request a player makes: enough to send it again."""

    user: str
    path: str
    body: dict[str, Any] | None
    key: str | None


@dataclass(frozen=True, slots=True)
class Sent:
    """A request and what came back."""

    call: Call
    status: int
    answer: dict[str, Any]


@dataclass(slots=True)
class Arena:
    """What the threads share: who is who, the balls, the trees seen, and every exchange."""

    base: str
    tokens: dict[str, str]
    friends: dict[str, list[str]]
    balls: list[tuple[str, str]]
    hot: list[tuple[str, str]]
    trees: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    racing: list[Call] = field(default_factory=list)
    log: list[Sent] = field(default_factory=list)
    keys: dict[str, list[Call]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)


# ---------------------------------------------------------------- the server and the world


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(dt.datetime(2026, 11, 5, 12, 0, tzinfo=dt.UTC))


@pytest.fixture
def rt(pg_url: str, clock: FakeClock) -> Iterator[Runtime]:
    runtime = bootstrap(Settings(database_url=pg_url), clock=clock)
    yield runtime
    runtime.db.dispose()


@pytest.fixture
def base_url(rt: Runtime, pg_url: str) -> Iterator[str]:
    """A uvicorn server on a free port, serving the app on ``rt``, in a background thread."""
    with live_server(create_app(Settings(database_url=pg_url), runtime=rt)) as port:
        yield f"http://127.0.0.1:{port}"


def _friend_pairs(rng: random.Random) -> set[tuple[str, str]]:
    ring = {tuple(sorted((p, PLAYERS[(i + 1) % len(PLAYERS)]))) for i, p in enumerate(PLAYERS)}
    chords = {
        (a, b)
        for i, a in enumerate(PLAYERS)
        for b in PLAYERS[i + 1 :]
        if rng.random() < FRIEND_SHARE
    }
    return {(a, b) for a, b in ring} | chords


def _events(rng: random.Random) -> list[dict[str, object]]:
    """Metro rides of every player on three days (one ball a day), and the rich players' bus."""
    events: list[dict[str, object]] = []
    for player in PLAYERS:
        for day in DAYS:
            events += [
                {
                    "event_id": f"{player}-{day}-{n}",
                    "source": "transit",
                    "user_id": player,
                    "behaviour": "metro_ride",
                    "occurred_at": f"{day}T08:{n:02d}:00+08:00",
                }
                for n in range(rng.randint(2, 5))
            ]
    events += [
        {
            "event_id": f"{player}-bus",
            "source": "transit",
            "user_id": player,
            "behaviour": "bus_ride",
            "occurred_at": f"{DAYS[-1]}T18:00:00+08:00",
            "quantity": RICH_TRIPS,
        }
        for player in RICH
    ]
    return events


@pytest.fixture
def arena(rt: Runtime, clock: FakeClock, base_url: str, tmp_path: Path) -> Arena:
    rng = random.Random(20261106)
    enrol(rt, PLAYERS, tmp_path)
    pairs = _friend_pairs(rng)
    for a, b in sorted(pairs):
        friends.invite(rt, a, b)
        friends.accept(rt, b, a)
    body = json.dumps(_events(rng)).encode()
    import_event_body(rt, body, "application/json", max_rows=10_000)
    assert mint_balls(rt).balls == len(PLAYERS) * len(DAYS) + len(RICH)
    clock.advance(hours=25)  # every ball ripe, for three days more
    with rt.db.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, owner, amount_g FROM balls ORDER BY id")).all()
    big = [row.id for row in rows if row.amount_g == RICH_TRIPS * BUS_G]
    assert all(
        outcome.ok for outcome in game.play(rt, [Collect(o, b) for o, b in _owned(rows, big)])
    )
    unplayed = {row.owner: row.id for row in rows if row.owner in SHY}  # each one's last ball
    out_of_play = {*big, *unplayed.values()}
    balls = [(row.owner, row.id) for row in rows if row.id not in out_of_play]
    candidates = [ball for ball in balls if ball[0] not in SHY]
    tokens = {p: issue_token(rt, p, dt.timedelta(days=3)).token for p in PLAYERS}
    friend_map: dict[str, list[str]] = {p: [] for p in PLAYERS}
    for a, b in pairs:
        friend_map[a].append(b)
        friend_map[b].append(a)
    return Arena(base_url, tokens, friend_map, balls, rng.sample(candidates, HOT))


def _owned(rows: list[Any], ids: list[str]) -> list[tuple[str, str]]:
    return [(row.owner, row.id) for row in rows if row.id in ids]


# ---------------------------------------------------------------- the players


class Player:
    """One thread's random moves, each as a random player over its own HTTP connection."""

    def __init__(self, arena: Arena, seed: int) -> None:
        self.arena = arena
        self.rng = random.Random(seed)
        self.http = httpx.Client(base_url=arena.base, timeout=60)

    def play_until(self, deadline: float) -> None:
        with self.http:
            while time.monotonic() < deadline:
                self.turn()

    def send(self, call: Call) -> Sent:
        headers = {"Authorization": f"Bearer {self.arena.tokens[call.user]}"}
        if call.key is not None:
            headers["Idempotency-Key"] = call.key
        response = self.http.post(call.path, json=call.body, headers=headers)
        sent = Sent(call, response.status_code, response.json())
        self.arena.log.append(sent)
        return sent

    def turn(self) -> None:
        arena, rng = self.arena, self.rng
        if arena.racing and rng.random() < 0.3:
            with arena.lock:
                call = arena.racing.pop() if arena.racing else None
            if call is not None:
                self.send(call)
                return
        call = self.draw()
        if call.key is not None and rng.random() < REUSE_SHARE:
            earlier = arena.keys[call.user]
            if earlier:
                call = Call(call.user, call.path, call.body, rng.choice(earlier).key)
        if call.key is not None:
            arena.keys[call.user].append(call)
            if rng.random() < RACE_SHARE:
                with arena.lock:
                    arena.racing.append(call)
        sent = self.send(call)
        tree = sent.answer.get("tree") if sent.status == 200 else None
        if tree is not None and tree["mode"] == "co" and not sent.answer["replayed"]:
            arena.trees.append((tree["id"], tuple(tree["members"])))
        if call.key is not None and rng.random() < RETRY_SHARE:
            self.send(call)

    def key(self, required: bool) -> str | None:
        return uuid.uuid4().hex if required or self.rng.random() < 0.5 else None

    def draw(self) -> Call:
        """A random move of a random player, mostly a sensible one, sometimes a refused one."""
        arena, rng = self.arena, self.rng
        actor = rng.choice(PLAYERS)
        kind = rng.choices(
            ["collect", "steal", "water", "protect", "plant", "co_plant", "pool", "cancel"],
            weights=[20, 35, 12, 3, 6, 6, 13, 5],
        )[0]
        if kind in ("collect", "steal"):
            owner, ball = rng.choice(arena.hot if rng.random() < 0.5 else arena.balls)
            if kind == "collect":
                actor = owner if rng.random() < 0.85 else actor
                return Call(actor, f"/v1/me/balls/{ball}/collect", None, self.key(False))
            if rng.random() < 0.85:
                actor = rng.choice(arena.friends[owner])
            return Call(actor, f"/v1/friends/{owner}/balls/{ball}/steal", None, self.key(False))
        if kind == "water":
            friend = rng.choice(arena.friends[actor]) if rng.random() < 0.9 else rng.choice(PLAYERS)
            amount = rng.choice([10, 18, 66]) if rng.random() < 0.95 else 20
            return Call(actor, f"/v1/friends/{friend}/water", {"amount_g": amount}, self.key(True))
        if kind == "protect":
            hours = rng.choice([24, 72, 168, 5])
            return Call(rng.choice(SHY), "/v1/me/covers", {"hours": hours}, self.key(True))
        if kind == "plant":
            actor = rng.choice(RICH) if rng.random() < 0.6 else actor
            body = {"species_id": rng.choice(SPECIES)}
            return Call(actor, "/v1/me/trees", body, self.key(True))
        if kind == "co_plant" or not arena.trees:
            co = rng.sample(arena.friends[actor], min(len(arena.friends[actor]), rng.randint(1, 3)))
            body = {"species_id": rng.choice(SPECIES), "friends": co}
            return Call(actor, "/v1/me/co-plantings", body, self.key(True))
        tree_id, members = rng.choice(arena.trees)
        if kind == "pool":
            actor = rng.choice(members) if rng.random() < 0.9 else actor
            body = {"amount_g": rng.choice([10, 66, 500, 5_000, 20_000])}
            return Call(actor, f"/v1/trees/{tree_id}/pool", body, self.key(True))
        actor = members[0] if rng.random() < 0.8 else rng.choice(members)
        return Call(actor, f"/v1/trees/{tree_id}/cancel", None, self.key(True))


# ---------------------------------------------------------------- the checks


def _by_kind(rt: Runtime) -> dict[str, int]:
    report = audit(rt)
    assert report.problems == []
    kinds = Counter(report.by_kind)
    assert "unknown" not in kinds
    held = sum(kinds[k] for k in ("participant", "ball", "tree", "planted", "expired", "debt"))
    assert report.issued_g == held, f"issued {report.issued_g} g but {held} g are accounted for"
    return dict(kinds)


def _rows(rt: Runtime, sql: str) -> list[Any]:
    with rt.db.engine.connect() as conn:
        return list(conn.execute(sa.text(sql)).all())


def _check_keys(rt: Runtime, log: list[Sent]) -> Counter[str]:
    """Every key applied once: one answer per (player, key), every 200 for it is that answer."""
    answers: dict[tuple[str, str], list[Sent]] = defaultdict(list)
    for sent in log:
        if sent.call.key is not None:
            answers[sent.call.user, sent.call.key].append(sent)
    stored = {
        (row.user_id, row.key): json.loads(row.response)
        for row in _rows(rt, "SELECT user_id, key, response FROM requests")
    }
    repeated: Counter[str] = Counter()
    for (user, key), sents in answers.items():
        ok = [s for s in sents if s.status == 200]
        if len(sents) > 1:
            repeated["repeated keys"] += 1
            repeated["repeated keys applied"] += bool(ok)
        if not ok:
            assert (user, key) not in stored, f"{user}/{key} stored but never answered 200"
            continue
        first = [s for s in ok if not s.answer["replayed"]]
        assert len(first) == 1, f"{user}/{key} was applied {len(first)} times"
        for sent in ok:
            assert {**sent.answer, "replayed": False} == first[0].answer
        moved = [(t["id"], t["amount_g"]) for t in first[0].answer["transfers"]]
        assert [(t["id"], t["amount_g"]) for t in stored[user, key]["transfers"]] == moved
        for sent in sents:
            if sent.status == 409 and sent.answer["code"] == "idempotency_key_reused":
                assert sent.call != first[0].call
    per_op = dict(_rows(rt, "SELECT operation, count(*) FROM requests GROUP BY operation"))
    kinds = dict(_rows(rt, "SELECT kind, count(*) FROM ledger_transfers GROUP BY kind"))
    trees = dict(_rows(rt, "SELECT mode, count(*) FROM trees GROUP BY mode"))
    (cancelled,) = _rows(rt, "SELECT count(*) FROM trees WHERE status = 'cancelled'")[0]
    (covers,) = _rows(rt, "SELECT count(*) FROM covers")[0]
    # the moves that require a key: exactly one stored answer per applied move
    assert kinds.get("water", 0) == per_op.get("water", 0)
    assert kinds.get("pool", 0) == per_op.get("pool", 0)
    assert trees.get("solo", 0) == per_op.get("plant", 0)
    assert trees.get("co", 0) == per_op.get("co_plant", 0)
    assert cancelled == per_op.get("cancel", 0)
    assert covers == per_op.get("protect", 0)
    return repeated


def _check_balls(rt: Runtime, friend_map: dict[str, list[str]]) -> None:
    """No ball gave more than it held; each friend, and only a friend, stole once per ball."""
    takes = _rows(
        rt,
        """SELECT b.id, b.amount_g, a.balance_g,
                  coalesce(sum(t.amount_g) FILTER (WHERE t.kind IN ('collect', 'steal')), 0)
                    AS taken_g,
                  coalesce(sum(t.amount_g) FILTER (WHERE t.kind = 'expire'), 0) AS expired_g
           FROM balls b JOIN ledger_accounts a ON a.id = 'ball:' || b.id
           LEFT JOIN ledger_transfers t ON t.debit_account = a.id
           GROUP BY b.id, b.amount_g, a.balance_g""",
    )
    for ball in takes:
        assert ball.taken_g + ball.expired_g <= ball.amount_g
        assert ball.amount_g - ball.taken_g - ball.expired_g == ball.balance_g
    twice = _rows(
        rt,
        """SELECT reference, credit_account FROM ledger_transfers WHERE kind = 'steal'
           GROUP BY reference, credit_account HAVING count(*) > 1""",
    )
    assert twice == []
    for thief, owner in _rows(
        rt,
        """SELECT t.credit_account, b.owner FROM ledger_transfers t
           JOIN balls b ON b.id = t.reference WHERE t.kind = 'steal'""",
    ):
        assert key_of(thief, AccountKind.PARTICIPANT) in friend_map[owner]


def test_32_clients_playing_at_once_lose_no_gram_and_apply_no_key_twice(
    arena: Arena, rt: Runtime, clock: FakeClock
) -> None:
    issued = _by_kind(rt)
    started = time.monotonic()
    deadline = started + PLAY_SECONDS
    players = [Player(arena, seed) for seed in range(WORKERS)]
    errors: list[BaseException] = []

    def run(player: Player) -> None:
        try:
            player.play_until(deadline)
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [
        threading.Thread(target=run, args=(p,), name=f"player-{i}") for i, p in enumerate(players)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=PLAY_SECONDS + 60)
    elapsed = time.monotonic() - started

    assert errors == [] and not any(thread.is_alive() for thread in threads)
    statuses = Counter(
        f"{s.status} {s.answer.get('code', s.answer.get('move'))}" for s in arena.log
    )
    print(f"\n{len(arena.log)} requests in {elapsed:.1f} s: {len(arena.log) / elapsed:.0f} ops/s")
    for outcome, count in sorted(statuses.items()):
        print(f"  {count:6d}  {outcome}")
    assert not [s for s in arena.log if s.status >= 500], "the server failed some requests"
    assert statuses["200 collect"] and statuses["200 steal"] and statuses["200 water"]
    assert statuses["200 plant"] and statuses["200 pool"]
    assert not statuses["409 already_exists"], "a retry of a planting must replay, not refuse"

    after = _by_kind(rt)
    assert after["issuance"] == issued["issuance"]  # play moves energy, never makes it
    assert _rows(rt, "SELECT id FROM ledger_transfers GROUP BY id HAVING count(*) > 1") == []
    repeated = _check_keys(rt, arena.log)
    print(f"  {dict(repeated)}; grams by account kind: {after}")
    assert repeated["repeated keys applied"] > 0
    _check_balls(rt, arena.friends)

    clock.advance(days=4)  # past every ball's expiry
    operator = {"Authorization": f"Bearer {create_api_key(rt, 'stress-operator')}"}
    expired = httpx.post(f"{arena.base}/v1/jobs/expire-balls", headers=operator, timeout=60)

    assert expired.status_code == 200, expired.text
    final = _by_kind(rt)
    assert final.get("ball", 0) == 0
    assert final["expired"] == after.get("expired", 0) + after["ball"] == expired.json()["grams"]
    assert final["expired"] > 0, "the balls nobody played must have expired"
    assert final["issuance"] == issued["issuance"]
    _check_balls(rt, arena.friends)
