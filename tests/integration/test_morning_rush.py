"""The demo's morning rush: participants' own steal requests, many at once, through the group
commit — every request tallied once, fewer transactions than requests, the ledger clean."""

from __future__ import annotations

from pathlib import Path

from saxaul.services import game_requests
from saxaul.services.ledger_audit import audit
from saxaul.services.runtime import Runtime
from saxaul.sim.forest_play import PlayLog, rush
from tests.conftest import FakeClock
from tests.game_world import befriend, enrol
from tests.integration.test_game_concurrency import past_balls

OWNERS = [f"o{n}" for n in range(6)]
THIEVES = [f"t{n}" for n in range(6)]


def test_a_rush_of_steals_is_tallied_once_each_in_fewer_transactions(
    runtime: Runtime, clock: FakeClock, tmp_path: Path
) -> None:
    runtime.moves.window_s = 0.2  # every rushing request certainly queues behind the first
    enrol(runtime, [*OWNERS, *THIEVES], tmp_path)
    for owner in OWNERS:
        for thief in THIEVES:
            befriend(runtime, thief, owner)
    owned = past_balls(runtime, clock, dict.fromkeys(OWNERS, 2))
    requests = [
        game_requests.steal(thief, owner, ball, None)
        for thief in THIEVES
        for owner in OWNERS
        for ball in owned[owner]
    ]
    log, advanced = PlayLog(), []

    rush(runtime, requests, log, advanced.append)

    assert sum(log.applied.values()) + sum(log.refused.values()) == len(requests) == 72
    assert log.applied["steal"] > 0 and set(log.refused) <= {
        "steal:daily_limit",
        "steal:nothing_to_take",
    }
    assert log.grams["steal"] > 0 and advanced == [72]
    assert log.rush_requests == 72 and 0 < log.rush_transactions < 72
    assert audit(runtime).problems == []
