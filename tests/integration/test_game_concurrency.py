"""Races on one Runtime (a SQLite file, a PostgreSQL schema): many threads, the same moves.

Whatever the interleaving: a ball never yields more than its amount, each friend steals from it
at most once and every take is the share the rules give of what was left at that moment; a
double-clicked plant plants one tree; a retried watering waters once; the daily steal and
watering limits hold. After each race the ledger audit is clean.

``test_the_sqlite_engine_is_safe_for_threads`` pins a bug these races found: SQLite engines
were built on SQLAlchemy's ``SingletonThreadPool`` (one connection per thread, at most 5), whose
sixth checkout closed another thread's connection in use and crashed the ADBC driver.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import random
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import SingletonThreadPool

from saxaul.domain.accounts import ball_account_id, key_of, participant_account_id, prefix
from saxaul.domain.errors import Conflict, DomainError
from saxaul.domain.ledger import AccountKind
from saxaul.domain.play import Collect, Move, Outcome, Plant, Steal, Water
from saxaul.services.balls import mint_balls
from saxaul.services.game import play
from saxaul.services.game_batch import ask, play_request
from saxaul.services.imports import import_event_body
from saxaul.services.ledger_audit import audit
from saxaul.services.runtime import Runtime
from saxaul.store.engine import is_sqlite, make_engine
from saxaul.store.tables import balls, ledger_accounts, ledger_transfers, trees
from tests.conftest import FakeClock
from tests.game_world import BUS_G, RIDE_G, befriend, enrol

THREADS = 12
RIDES = 5
"""Metro rides a day (the cap): each past day becomes one 260 g ball."""


# ---------------------------------------------------------------- arranging and racing


@pytest.fixture
def rt(runtime: Runtime) -> Runtime:
    """The runtime every race shares."""
    return runtime


def test_the_sqlite_engine_is_safe_for_threads(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'pool.db'}"
    assert is_sqlite(url)
    engine = make_engine(url)
    try:
        assert not isinstance(engine.pool, SingletonThreadPool)
    finally:
        engine.dispose()


def past_balls(rt: Runtime, clock: FakeClock, plan: dict[str, int]) -> dict[str, list[str]]:
    """Give each user ``plan[user]`` balls of 5 metro rides (one per past day), in one import,
    mint them and let a day pass so they are ripe. Returns each user's ball ids."""
    today = clock.now().date()
    events = [
        {
            "event_id": f"{user}-{d}-{n}",
            "source": "transit",
            "user_id": user,
            "behaviour": "metro_ride",
            "occurred_at": f"{(today - dt.timedelta(days=d)).isoformat()}T08:{n:02d}:00+08:00",
            "quantity": 1,
        }
        for user, days in plan.items()
        for d in range(1, days + 1)
        for n in range(RIDES)
    ]
    import_event_body(rt, json.dumps(events).encode(), "application/json", max_rows=100_000)
    assert mint_balls(rt).balls == sum(plan.values())
    clock.advance(hours=25)
    owned: defaultdict[str, list[str]] = defaultdict(list)
    with rt.db.engine.connect() as conn:
        for row in conn.execute(sa.select(balls.c.id, balls.c.owner).order_by(balls.c.id)):
            owned[row.owner].append(row.id)
    return dict(owned)


def rich(rt: Runtime, clock: FakeClock, user: str, trips: int) -> int:
    """Give ``user`` one ball of ``trips`` bus rides, let it ripen and collect it; its grams."""
    yesterday = (clock.now() - dt.timedelta(days=1)).date().isoformat()
    event = {
        "event_id": f"{user}-bus",
        "source": "transit",
        "user_id": user,
        "behaviour": "bus_ride",
        "occurred_at": f"{yesterday}T18:00:00+08:00",
        "quantity": trips,
    }
    import_event_body(rt, json.dumps([event]).encode(), "application/json", max_rows=10)
    mint_balls(rt)
    clock.advance(hours=25)
    with rt.db.engine.connect() as conn:
        ball_id = conn.execute(sa.select(balls.c.id).where(balls.c.owner == user)).scalar_one()
    (collected,) = play(rt, [Collect(user, ball_id)])
    assert collected.ok
    return trips * BUS_G


def race(tasks: Sequence[Callable[[], Any]], threads: int = THREADS) -> list[Any]:
    """Run ``tasks`` on ``threads`` threads that start together; each task's result or error.

    Tasks are dealt round-robin in the given order, so shuffle them first for a mixed race.
    """
    results: list[Any] = [None] * len(tasks)
    count = min(threads, len(tasks))
    start = threading.Barrier(count)

    def work(worker: int) -> None:
        start.wait()
        for index in range(worker, len(tasks), count):
            try:
                results[index] = tasks[index]()
            except BaseException as exc:  # reported by the caller's assertions
                results[index] = exc

    workers = [threading.Thread(target=work, args=(n,)) for n in range(count)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    assert not any(worker.is_alive() for worker in workers), "a racing thread hung"
    return results


def plays(rt: Runtime, moves: list[Move]) -> Callable[[], list[Outcome]]:
    return lambda: play(rt, moves)


def takes_by_ball(rt: Runtime) -> dict[str, list[tuple[str, str, int]]]:
    """Each ball's takes from the ledger, in the order they landed: (kind, account, grams)."""
    t = ledger_transfers.c
    out: defaultdict[str, list[tuple[str, str, int]]] = defaultdict(list)
    with rt.db.engine.connect() as conn:
        for row in conn.execute(
            sa.select(t.debit_account, t.kind, t.credit_account, t.amount_g)
            .where(t.debit_account.like(prefix(AccountKind.BALL) + "%"))
            .order_by(t.seq)
        ):
            out[key_of(row.debit_account, AccountKind.BALL)].append(
                (row.kind, row.credit_account, row.amount_g)
            )
    return dict(out)


def cached(rt: Runtime, account_id: str) -> int:
    with rt.db.engine.connect() as conn:
        return int(
            conn.execute(
                sa.select(ledger_accounts.c.balance_g).where(ledger_accounts.c.id == account_id)
            ).scalar_one()
        )


def count_transfers(rt: Runtime, kind: str) -> int:
    with rt.db.engine.connect() as conn:
        return int(
            conn.execute(
                sa.select(sa.func.count()).where(ledger_transfers.c.kind == kind)
            ).scalar_one()
        )


def assert_clean(rt: Runtime) -> None:
    report = audit(rt)
    assert report.problems == []


def no_errors(results: list[Any]) -> None:
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors[:3]


# ---------------------------------------------------------------- (a) one ball, three hands


def test_friends_stealing_while_the_owner_collects_never_overdraw_a_ball(
    rt: Runtime, clock: FakeClock, tmp_path: Path
) -> None:
    enrol(rt, ["o", "f1", "f2"], tmp_path)
    befriend(rt, "o", "f1")
    befriend(rt, "o", "f2")
    ids = past_balls(rt, clock, {"o": 24})["o"]
    tasks = [
        plays(rt, [move])
        for ball_id in ids
        for move in (
            Steal("f1", ball_id),
            Steal("f1", ball_id),  # a double click
            Steal("f2", ball_id),
            Steal("f2", ball_id),
            Collect("o", ball_id),
            Collect("o", ball_id),
        )
    ]
    tasks.append(plays(rt, [Steal("f1", ball_id) for ball_id in reversed(ids)]))  # a batch
    random.Random(5).shuffle(tasks)

    results = race(tasks)

    no_errors(results)
    outcomes = [outcome for result in results for outcome in result]
    allowed = {"already_stolen", "nothing_to_take"}
    refusals = Counter(o.refusal.code for o in outcomes if o.refusal is not None)
    assert set(refusals) <= allowed, refusals
    share = Fraction(rt.rules.steal_share)
    takes = takes_by_ball(rt)
    gained: Counter[str] = Counter()
    for ball_id in ids:
        remaining = RIDES * RIDE_G
        thieves: Counter[str] = Counter()
        for kind, account, grams in takes[ball_id]:
            if kind == "steal":  # the share of what was left when this steal landed
                assert grams == math.floor(share * remaining)
                thieves[account] += 1
            else:
                assert (kind, account, grams) == ("collect", participant_account_id("o"), remaining)
            remaining -= grams
            gained[account] += grams
        assert remaining == cached(rt, ball_account_id(ball_id)) == 0
        assert max(thieves.values(), default=0) <= 1
        assert sum(1 for kind, *_ in takes[ball_id] if kind == "collect") == 1
    applied = [t for o in outcomes for t in o.transfers]
    assert len(applied) == sum(len(v) for v in takes.values())
    for user in ("o", "f1", "f2"):
        assert cached(rt, participant_account_id(user)) == gained[participant_account_id(user)]
    assert sum(gained.values()) == len(ids) * RIDES * RIDE_G
    assert_clean(rt)


# ---------------------------------------------------------------- (b) a double-clicked plant


def test_a_double_clicked_plant_plants_one_tree(
    rt: Runtime, clock: FakeClock, tmp_path: Path
) -> None:
    enrol(rt, ["p"], tmp_path)
    have = rich(rt, clock, "p", 250)
    cost = rt.species.get("caragana").energy_cost_g
    move = Plant("p", "caragana", "t-double")
    body = {"species_id": "caragana"}

    answers = race([lambda: play_request(rt, ask(move, "plant", body, "key-1"))] * 8, threads=8)

    no_errors(answers)
    assert sorted(a.replayed for a in answers) == [False] + [True] * 7
    first = next(a for a in answers if not a.replayed)
    assert all(dataclasses.replace(a, replayed=False) == first for a in answers)
    assert [t.id for t in first.transfers] == ["plant:t-double"]
    with rt.db.engine.connect() as conn:
        assert conn.execute(sa.select(trees.c.id)).scalars().all() == ["t-double"]
    assert count_transfers(rt, "plant") == 1
    assert cached(rt, participant_account_id("p")) == have - cost
    with pytest.raises(Conflict) as reused:  # the same key for another request
        play_request(
            rt, ask(Plant("p", "saxaul", "t-other"), "plant", {"species_id": "x"}, "key-1")
        )
    assert reused.value.code == "idempotency_key_reused"
    assert_clean(rt)


# ---------------------------------------------------------------- (c) a retried watering


def test_a_retried_watering_waters_once_and_the_daily_limit_holds(
    rt: Runtime, clock: FakeClock, tmp_path: Path
) -> None:
    enrol(rt, ["g", "r"], tmp_path)
    befriend(rt, "g", "r")
    (ball_id,) = past_balls(rt, clock, {"g": 1})["g"]
    (collected,) = play(rt, [Collect("g", ball_id)])
    assert collected.ok
    move = Water("g", "r", 18)
    body = {"friend": "r", "amount_g": 18}

    answers = race([lambda: play_request(rt, ask(move, "water", body, "w-1"))] * 8, threads=8)

    no_errors(answers)
    assert sorted(a.replayed for a in answers) == [False] + [True] * 7
    assert count_transfers(rt, "water") == 1
    assert (cached(rt, participant_account_id("g")), cached(rt, participant_account_id("r"))) == (
        RIDES * RIDE_G - 18,
        18,
    )

    # Eight different waterings at once: the daily limit lets exactly the rest of today's in.
    limit = rt.rules.daily_watering_limit
    body10 = {"friend": "r", "amount_g": 10}
    results = race(
        [
            lambda n=n: play_request(rt, ask(Water("g", "r", 10), "water", body10, f"w-{n + 2}"))
            for n in range(8)
        ],
        threads=8,
    )

    refused = [r for r in results if isinstance(r, BaseException)]
    assert all(isinstance(r, DomainError) and r.code == "daily_limit" for r in refused), refused
    assert len(results) - len(refused) == limit - 1
    assert count_transfers(rt, "water") == limit
    assert cached(rt, participant_account_id("r")) == 18 + 10 * (limit - 1)
    assert_clean(rt)


# ---------------------------------------------------------------- (d) the daily steal limit


def test_the_daily_steal_limit_holds_under_racing_steals(
    rt: Runtime, clock: FakeClock, tmp_path: Path
) -> None:
    limit = 5
    rt = dataclasses.replace(rt, rules=dataclasses.replace(rt.rules, daily_steal_limit=limit))
    enrol(rt, ["o1", "o2", "t1", "t2"], tmp_path)
    for owner in ("o1", "o2"):
        for thief in ("t1", "t2"):
            befriend(rt, owner, thief)
    owned = past_balls(rt, clock, {"o1": 10, "o2": 10})
    ids = owned["o1"] + owned["o2"]
    tasks = [plays(rt, [Steal(thief, b)]) for b in ids for thief in ("t1", "t2", "t1", "t2")]
    tasks += [plays(rt, [Steal(thief, b) for b in ids]) for thief in ("t1", "t2")]
    random.Random(7).shuffle(tasks)

    results = race(tasks, threads=16)

    no_errors(results)
    outcomes = [outcome for result in results for outcome in result]
    refusals = Counter(o.refusal.code for o in outcomes if o.refusal is not None)
    assert set(refusals) <= {"daily_limit", "already_stolen"}, refusals
    for thief in ("t1", "t2"):
        stolen = [
            t
            for o in outcomes
            for t in o.transfers
            if t.credit_account == participant_account_id(thief)
        ]
        assert len(stolen) == limit  # every ball was stealable, so the limit is reached
        assert cached(rt, participant_account_id(thief)) == sum(t.amount_g for t in stolen)
    assert count_transfers(rt, "steal") == 2 * limit
    assert_clean(rt)
