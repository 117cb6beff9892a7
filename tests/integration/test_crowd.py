"""Whole-population reads and bulk friendships (``services.crowd``, ``friends.befriend_many``)
answer what the per-participant services answer, on both stores."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from saxaul.domain.errors import NotFound
from saxaul.domain.paging import MAX_PAGE
from saxaul.domain.play import Collect
from saxaul.services import crowd, forest, friends, game
from saxaul.services.runtime import Runtime
from tests.conftest import FakeClock
from tests.game_world import RIDE_G, balls_for, enrol

DAY = dt.date(2026, 1, 5)


def test_ripe_balls_and_balances_of_everyone_at_once(
    runtime: Runtime, clock: FakeClock, tmp_path: Path
) -> None:
    enrol(runtime, ["a", "b", "c"], tmp_path)
    clock.current = dt.datetime(2026, 1, 5, 20, tzinfo=dt.UTC)
    assert balls_for(runtime, {"a": 3, "b": 1}, DAY) == 2
    assert crowd.ripe_by_owner(runtime) == {}  # minted, not ripe yet
    clock.advance(days=2)
    ripe = crowd.ripe_by_owner(runtime)
    for user in ("a", "b"):
        mine = [b.id for b in forest.my_forest(runtime, user).balls if b.state == "ripe"]
        assert ripe[user] == mine
    assert "c" not in ripe
    assert crowd.affording(runtime, 1) == {}
    assert all(o.ok for o in game.play(runtime, [Collect("a", ball) for ball in ripe["a"]]))
    assert crowd.affording(runtime, 3 * RIDE_G) == {"a": 3 * RIDE_G}
    assert crowd.affording(runtime, 3 * RIDE_G + 1) == {}
    clock.advance(days=10)  # expired
    assert crowd.ripe_by_owner(runtime) == {}


def test_befriend_many_stores_accepted_friendships_at_their_time(
    runtime: Runtime, tmp_path: Path
) -> None:
    enrol(runtime, ["a", "b", "c"], tmp_path)
    since = dt.datetime(2026, 1, 3, 9, tzinfo=dt.UTC)
    assert friends.befriend_many(runtime, [("a", "b", since), ("c", "a", since)]) == 2
    assert friends.befriend_many(runtime, [("b", "a", since)]) == 0  # already friends
    listed = friends.list_friends(runtime, "a", limit=MAX_PAGE)
    assert [(f.user_id, f.since) for f in listed.friends] == [("b", since), ("c", since)]
    with pytest.raises(NotFound):
        friends.befriend_many(runtime, [("a", "zz", since)])
