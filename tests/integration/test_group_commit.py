"""Group commit on a real store: concurrent move requests share transactions, answers do not.

32 requests race on one runtime, some valid, some refused, some retried under one key, some
reusing a key for another request; each must get exactly the answer it would get alone, the
ledger's totals must be those of the applied moves, and the requests must have shared batches
(the point of group commit). Then a request that makes its batch fail with an error that is not
a refusal: only that request fails.
"""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path
from typing import Any

import pytest

from saxaul.domain.accounts import participant_account_id
from saxaul.domain.errors import Conflict, DomainError
from saxaul.domain.play import Collect, Move, Plant, Steal
from saxaul.services import game_batch
from saxaul.services.game_batch import ask, play_request
from saxaul.services.runtime import Runtime
from saxaul.store.idempotency import Keyed, save_answers, stored_answers
from saxaul.store.uow import WriteUnitOfWork
from tests.conftest import FakeClock
from tests.game_world import RIDE_G, enrol
from tests.integration.test_game_concurrency import (
    RIDES,
    assert_clean,
    cached,
    count_transfers,
    past_balls,
    race,
)

BALL_G = RIDES * RIDE_G
COLLECTORS = [f"c{n}" for n in range(16)]
POOR = [f"p{n}" for n in range(4)]
STRANGERS = [f"s{n}" for n in range(4)]
GATHER_S = 0.2
"""The group commit's window in these tests: long enough for all racing threads to queue, so
they are certain to share batches on any machine."""


@pytest.fixture(params=[1, 4], ids=["one-batch-at-a-time", "four-batches-at-once"])
def rt(runtime: Runtime, request: pytest.FixtureRequest) -> Runtime:
    runtime.moves.window_s = GATHER_S
    runtime.moves.concurrency = request.param
    return runtime


def test_32_racing_requests_share_transactions_and_each_gets_its_own_answer(
    rt: Runtime, clock: FakeClock, tmp_path: Path
) -> None:
    enrol(rt, [*COLLECTORS, *POOR, *STRANGERS, "d", "e"], tmp_path)
    owned = past_balls(rt, clock, {user: 1 for user in [*COLLECTORS, "d", "e"]})
    ball = {user: balls[0] for user, balls in owned.items()}
    requests: list[tuple[str, Move, str, dict[str, Any], str | None]] = []
    for u in COLLECTORS:
        requests.append(("collect", Collect(u, ball[u]), "collect", {"ball_id": ball[u]}, None))
    for u in POOR:
        plant = Plant(u, "saxaul", f"t-{u}")
        requests.append(("plant", plant, "plant", {"species_id": "saxaul"}, f"k-{u}"))
    for u in STRANGERS:
        steal = Steal(u, ball["c0"], "c0")
        requests.append(("steal", steal, "steal", {"owner": "c0", "ball_id": ball["c0"]}, None))
    collect_d, collect_e = Collect("d", ball["d"]), Collect("e", ball["e"])
    requests += [("dup", collect_d, "collect", {"ball_id": ball["d"]}, "same")] * 4
    requests += [("reuse", collect_e, "collect", {"ball_id": ball["e"]}, "again")] * 2
    missing = Collect("e", "no-such-ball")
    requests += [("other", missing, "collect", {"ball_id": "no-such-ball"}, "again")] * 2
    assert len(requests) == 32
    random.Random(7).shuffle(requests)

    results = race(
        [lambda r=r: play_request(rt, ask(r[1], r[2], r[3], r[4])) for r in requests], threads=32
    )

    by_kind: dict[str, list[Any]] = {}
    for (kind, *_), result in zip(requests, results, strict=True):
        by_kind.setdefault(kind, []).append(result)
    for answer in by_kind["collect"]:
        assert not isinstance(answer, BaseException), answer
        assert answer.move == "collect" and not answer.replayed
        assert [t.amount_g for t in answer.transfers] == [BALL_G]
    assert {_code(r) for r in by_kind["plant"]} == {"insufficient_energy"}
    assert {_code(r) for r in by_kind["steal"]} == {"not_friends"}
    dup = by_kind["dup"]
    assert sorted(a.replayed for a in dup) == [False, True, True, True]
    assert len({a.transfers for a in dup}) == 1
    # Under one key, the first request to land wins: the other body is refused as a reused key
    # once the collect is stored, or as a missing ball before (nothing stored then).
    reuse, other = by_kind["reuse"], by_kind["other"]
    assert sorted(a.replayed for a in reuse) == [False, True]
    assert all(isinstance(r, Conflict | DomainError) for r in other)
    assert {_code(r) for r in other} <= {"idempotency_key_reused", "not_found"}

    for user in [*COLLECTORS, "d", "e"]:
        assert cached(rt, participant_account_id(user)) == BALL_G
    for user in [*POOR, *STRANGERS]:
        assert cached(rt, participant_account_id(user)) == 0
    assert count_transfers(rt, "collect") == len(COLLECTORS) + 2
    assert count_transfers(rt, "steal") == count_transfers(rt, "plant") == 0
    stats = rt.moves.stats
    assert stats.items == 32 and stats.batches < 32 and stats.largest >= 8, stats
    assert_clean(rt)


def test_a_request_that_breaks_its_batch_fails_alone(
    rt: Runtime, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    users = [f"u{n}" for n in range(8)]
    enrol(rt, users, tmp_path)
    owned = past_balls(rt, clock, {user: 1 for user in users})
    real = game_batch.play_in

    def play_in(uow: WriteUnitOfWork, rt: Runtime, moves: list[Move]) -> Any:
        if any(move.actor == "u3" for move in moves):
            raise RuntimeError("a defect that u3's move triggers")
        return real(uow, rt, moves)

    monkeypatch.setattr(game_batch, "play_in", play_in)
    ball = {user: balls[0] for user, balls in owned.items()}

    results = race(
        [
            lambda u=u: play_request(rt, ask(Collect(u, ball[u]), "collect", {}, None))
            for u in users
        ],
        threads=8,
    )

    failed = {u for u, r in zip(users, results, strict=True) if isinstance(r, BaseException)}
    assert failed == {"u3"}
    assert isinstance(results[3], RuntimeError)
    for user in set(users) - failed:
        assert cached(rt, participant_account_id(user)) == BALL_G
    assert rt.moves.stats.run_alone >= 2
    assert_clean(rt)


def _code(result: Any) -> str | None:
    assert isinstance(result, DomainError), result
    return result.code


def test_stored_answers_match_whole_keys_not_a_users_and_a_keys_cross_product(
    rt: Runtime, clock: FakeClock
) -> None:
    @dataclasses.dataclass
    class Answer:
        said: str

        def to_json(self) -> dict[str, str]:
            return {"said": self.said}

    a1, b2 = Keyed("a", "1", "collect", {"x": 1}), Keyed("b", "2", "collect", {"x": 2})
    rt.db.write(
        lambda uow: save_answers(uow, [(a1, Answer("a1")), (b2, Answer("b2"))], clock.now())
    )
    a2, b1 = Keyed("a", "2", "collect", {"x": 2}), Keyed("b", "1", "collect", {"x": 1})
    again = Keyed("a", "1", "collect", {"x": 1})
    other = Keyed("b", "2", "collect", {"x": 3})

    with rt.db.reading() as uow:
        found = stored_answers(uow, [a2, b1, again, other])

    assert set(found) == {again, other}
    assert found[again] == {"said": "a1"}
    assert isinstance(found[other], Conflict) and found[other].code == "idempotency_key_reused"
