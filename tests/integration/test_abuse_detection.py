"""Generated attacks are caught by ``saxaul abuse scan``'s detectors, their gains held with the
ledger clean; and a small simulated pilot of normal players is not flagged.

Attacks, played through the real game services on a fake clock (both stores):

* a steal bot: one ball of a friend ripens every hour through a day and the bot steals each at
  its ripening instant, so it is early (``ripening_snipe``), evenly spaced
  (``regular_intervals``) and awake all day (``round_the_clock``);
* a burst: 25 steals two seconds apart (``move_velocity``);
* a ring: 20 accounts each let the receiver steal from their ball and water the receiver most
  of the rest (``funnel_ring``).
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from saxaul.domain.holds import FlagStatus
from saxaul.domain.play import Collect, Steal, Water
from saxaul.services import abuse, game
from saxaul.services.balls import mint_balls
from saxaul.services.ledger_audit import audit
from saxaul.services.runtime import Runtime
from saxaul.store import balls_repo, ledger_repo
from tests.conftest import FakeClock
from tests.game_world import befriend, enrol, rides
from tests.pilot_world import USERS, played_pilot

ZONE = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 11, 5)
MIDNIGHT = dt.datetime(2026, 11, 6, tzinfo=ZONE).astimezone(dt.UTC)
"""When DAY's balls first appear; they ripen 24 h after they appear (shipped rules)."""


def _ball_of(rt: Runtime, owner: str, now: dt.datetime) -> str:
    with rt.db.reading() as conn:
        (ball_id,) = balls_repo.live_balls(conn, owner, now)
    return ball_id


def _played(rt: Runtime, *moves: object) -> None:
    outcomes = game.play(rt, list(moves))  # type: ignore[arg-type]
    assert [o.refusal for o in outcomes] == [None] * len(outcomes)


def _flags_by_user(rt: Runtime) -> dict[str, set[str]]:
    flags, _ = abuse.list_flags(rt, limit=500)
    found: dict[str, set[str]] = {}
    for flag in flags:
        found.setdefault(flag.user_id, set()).add(flag.rule_id)
    return found


def _held_total(rt: Runtime) -> int:
    flags, _ = abuse.list_flags(rt, status=FlagStatus.OPEN, limit=500)
    with rt.db.reading() as conn:
        return sum(ledger_repo.balance_of(conn, flag.account_id) for flag in flags)


def _stolen_by(rt: Runtime, user: str) -> int:
    with rt.db.reading() as conn:
        return ledger_repo.balance_of(conn, f"user:{user}")


def test_a_steal_bot_at_ripening_instants_round_the_clock_is_flagged(
    runtime: Runtime, clock: FakeClock, tmp_path: Path
) -> None:
    victims = [f"v{h:02d}" for h in range(24)]
    enrol(runtime, ["bot", *victims], tmp_path)
    for victim in victims:
        befriend(runtime, "bot", victim)
    for hour, victim in enumerate(victims):  # one ball appears each hour, so one ripens each hour
        clock.current = MIDNIGHT + dt.timedelta(hours=hour)
        rides(runtime, victim, 3, DAY)
        mint_balls(runtime)
    balls = {v: _ball_of(runtime, v, clock.current) for v in victims}
    for hour, victim in enumerate(victims):
        clock.current = MIDNIGHT + dt.timedelta(days=1, hours=hour)  # its ripening instant
        _played(runtime, Steal("bot", balls[victim], victim))
    stolen = _stolen_by(runtime, "bot")
    clock.advance(hours=1)
    result = abuse.scan(runtime, MIDNIGHT, clock.current)
    flagged = _flags_by_user(runtime)
    assert flagged == {"bot": {"ripening_snipe", "regular_intervals", "round_the_clock"}}
    assert result.flagged == 3 and result.held_g == stolen > 0
    assert _stolen_by(runtime, "bot") == 0 and _held_total(runtime) == stolen
    assert abuse.scan(runtime, MIDNIGHT, clock.current).flagged == 0  # same window: no new flag
    assert audit(runtime).ok


def test_a_burst_of_steals_faster_than_a_thumb_is_flagged(
    runtime: Runtime, clock: FakeClock, tmp_path: Path
) -> None:
    victims = [f"v{n:02d}" for n in range(25)]
    enrol(runtime, ["bot", *victims], tmp_path)
    clock.current = MIDNIGHT
    for victim in victims:
        befriend(runtime, "bot", victim)
        rides(runtime, victim, 2, DAY)
    mint_balls(runtime)
    balls = {v: _ball_of(runtime, v, clock.current) for v in victims}
    clock.current = MIDNIGHT + dt.timedelta(days=1, hours=9)
    for victim in victims:
        _played(runtime, Steal("bot", balls[victim], victim))
        clock.advance(seconds=2)
    abuse.scan(runtime, MIDNIGHT, clock.current)
    assert "move_velocity" in _flags_by_user(runtime)["bot"]
    assert set(_flags_by_user(runtime)) == {"bot"}
    assert audit(runtime).ok


def test_a_ring_of_twenty_accounts_funnelling_to_one_is_flagged(
    runtime: Runtime, clock: FakeClock, tmp_path: Path
) -> None:
    puppets = [f"p{n:02d}" for n in range(20)]
    enrol(runtime, ["boss", *puppets], tmp_path)
    clock.current = MIDNIGHT
    for puppet in puppets:
        befriend(runtime, "boss", puppet)
        rides(runtime, puppet, 5, DAY)  # 260 g each
    mint_balls(runtime)
    balls = {p: _ball_of(runtime, p, clock.current) for p in puppets}
    rng = random.Random(5)
    clock.current = MIDNIGHT + dt.timedelta(days=1, hours=8)
    for puppet in puppets:  # at a human pace: minutes apart, never the same gap twice
        clock.advance(seconds=rng.randint(120, 900))
        _played(runtime, Steal("boss", balls[puppet], puppet))
        clock.advance(seconds=rng.randint(30, 300))
        _played(runtime, Collect(puppet, balls[puppet]))
        _played(runtime, Water(puppet, "boss", 66), Water(puppet, "boss", 66))
        _played(runtime, Water(puppet, "boss", 18))
    received = _stolen_by(runtime, "boss")
    clock.advance(hours=1)
    result = abuse.scan(runtime, MIDNIGHT, clock.current)
    (flag,), _ = abuse.list_flags(runtime)
    assert (flag.user_id, flag.rule_id) == ("boss", "funnel_ring")
    assert flag.evidence["senders"] == 20
    assert result.held_g == received == flag.held_g
    assert audit(runtime).ok


@pytest.mark.slow
def test_simulated_normal_players_are_not_flagged(tmp_path: Path) -> None:
    """A 400-participant pilot played through its 184 days: fewer than 0.1 % flagged (here:
    none), by the plausibility rules at scoring and by a scan over the whole season."""
    with played_pilot(tmp_path) as pilot:
        rt, log = pilot.rt, pilot.log
        assert log.participants == USERS and log.play.applied["steal"] > 0
        start = dt.datetime.combine(pilot.scenario.start, dt.time(), tzinfo=dt.UTC)
        abuse.scan(rt, start - dt.timedelta(days=1), pilot.clock.now() + dt.timedelta(days=1))
        _, flags = abuse.list_flags(rt)
        assert flags / log.participants < 0.001
        assert audit(rt).ok
