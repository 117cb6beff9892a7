"""A promised tree to certify, arranged through the real services (see ``game_world``).

u1 rides the metro 3 times (one 156 g ball) and the bus 250 times (one 20 000 g ball) on 11-04,
collects both and plants a saxaul (17 900 g): FIFO says the tree spent the metro ball first,
then 17 744 g of the bus ball.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from saxaul.services import forest, game_requests
from saxaul.services.balls import mint_balls
from saxaul.services.game_batch import play_request
from saxaul.services.runtime import Runtime
from tests.conftest import FakeClock
from tests.game_world import bus_trips, enrol, rides

DAY = dt.date(2026, 11, 4)


def collect_all(rt: Runtime, user: str) -> None:
    """Collect every ball of ``user`` (ripe by now)."""
    for ball in forest.my_forest(rt, user).balls:
        play_request(rt, game_requests.collect(user, ball.id, None))


def planted(rt: Runtime, clock: FakeClock, tmp_path: Path) -> str:
    """u1's saxaul, funded by a metro ball collected first and a bus ball; returns its id."""
    enrol(rt, ["u1", "u2", "u3"], tmp_path)
    rides(rt, "u1", 3, DAY)
    mint_balls(rt)
    bus_trips(rt, "u1", 250, DAY)
    mint_balls(rt)
    clock.advance(hours=25)
    collect_all(rt, "u1")
    answer = play_request(rt, game_requests.plant("u1", "saxaul", "t1"))
    assert answer.tree is not None
    return answer.tree.id
