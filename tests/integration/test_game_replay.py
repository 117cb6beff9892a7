"""A move sent again under its Idempotency-Key gets its first answer back, as the same view.

The answer is stored as JSON with the move and read back into a ``MoveAnswer`` for the retry,
so every part of it (datetimes, takes, shares, the certificate, the cover) must survive the
trip through each store unchanged.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path

from saxaul.services import forest, game_requests
from saxaul.services.balls import mint_balls
from saxaul.services.game_batch import MoveRequest, play_request
from saxaul.services.game_views import MoveAnswer
from saxaul.services.runtime import Runtime
from tests.conftest import FakeClock
from tests.game_world import balls_for, befriend, bus_trips, enrol

DAY = dt.date(2026, 11, 4)


def test_every_move_replays_its_first_answer(
    runtime: Runtime, clock: FakeClock, tmp_path: Path
) -> None:
    rt = runtime
    enrol(rt, ["u1", "u2"], tmp_path)
    befriend(rt, "u1", "u2")
    balls_for(rt, {"u1": 1, "u2": 3}, DAY)
    bus_trips(rt, "u1", 250, DAY)
    mint_balls(rt)
    clock.advance(hours=25)
    mine = [ball.id for ball in forest.my_forest(rt, "u1").balls]
    (theirs,) = (ball.id for ball in forest.my_forest(rt, "u2").balls)
    co_planted = game_requests.tree_id_for("u1", "co")
    moves: list[tuple[str, str, Callable[[str], MoveRequest]]] = [
        *((f"c{b}", "ball", lambda k, b=b: game_requests.collect("u1", b, k)) for b in mine),
        ("s", "ball", lambda k: game_requests.steal("u1", "u2", theirs, k)),
        ("p", "cover", lambda k: game_requests.protect("u1", 24, k)),
        ("w", "", lambda k: game_requests.water("u1", "u2", 18, k)),
        ("t", "tree", lambda k: game_requests.plant("u1", "saxaul", k)),
        ("co", "tree", lambda k: game_requests.co_plant("u1", "caragana", ["u2"], k)),
        ("po", "tree", lambda k: game_requests.pool("u1", co_planted, 500, k)),
        ("x", "tree", lambda k: game_requests.cancel("u1", co_planted, k)),
    ]

    for key, subject, move in moves:
        first = play_request(rt, move(key))
        again = play_request(rt, move(key))

        assert not first.replayed and again.replayed, first
        assert dataclasses.replace(again, replayed=False) == first
        assert MoveAnswer.from_json(first.to_json()) == first
        if subject:
            assert getattr(first, subject) is not None, first
    planted = play_request(rt, game_requests.plant("u1", "saxaul", "t"))
    assert planted.tree is not None and planted.tree.certificate is not None
