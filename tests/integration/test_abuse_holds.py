"""A step-count cheat is flagged at scoring, its ball minted straight into a hold, and the
operator's decision releases it to the ball or forfeits it, once, with the ledger clean.

Runs on both stores. The cheat is generated: one participant reports a day of 250,000 steps
(over the shipped limit of 100,000), a neighbour a normal 9,000.
"""

from __future__ import annotations

import datetime as dt
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from saxaul.domain.holds import Decision, DecisionRefused, FlagStatus
from saxaul.domain.play import Collect
from saxaul.services import abuse, game
from saxaul.services.balls import mint_balls
from saxaul.services.imports import import_event_body
from saxaul.services.ledger_audit import audit
from saxaul.services.runtime import Runtime
from saxaul.store import ledger_repo
from tests.conftest import FakeClock
from tests.game_world import enrol

DAY = dt.date(2026, 11, 4)


def _walk(rt: Runtime, user: str, steps: int) -> None:
    event = {
        "event_id": f"{user}-walk",
        "source": "phone",
        "user_id": user,
        "behaviour": "walking",
        "occurred_at": f"{DAY.isoformat()}T20:00:00+08:00",
        "quantity": steps,
    }
    import_event_body(rt, json.dumps([event]).encode(), "application/json", max_rows=10)


def _balance(rt: Runtime, account: str) -> int:
    with rt.db.reading() as conn:
        return ledger_repo.balance_of(conn, account)


@pytest.fixture
def cheat(runtime: Runtime, tmp_path: Path) -> Runtime:
    enrol(runtime, ["cheat", "walker"], tmp_path)
    _walk(runtime, "cheat", 250_000)
    _walk(runtime, "walker", 9_000)
    mint_balls(runtime)
    return runtime


def test_a_step_count_cheat_is_flagged_and_its_ball_held(cheat: Runtime) -> None:
    flags, total = abuse.list_flags(cheat, status=FlagStatus.OPEN)
    assert total == 1
    (flag,) = flags
    assert (flag.user_id, flag.rule_id, flag.rules_ref) == (
        "cheat",
        "walking_steps_per_day",
        "abuse@1.0.0",
    )
    assert flag.evidence["measured"] == 250_000 and flag.evidence["limit"] == 100_000
    assert flag.held_g == 296  # the day's capped award, stored and scored as usual
    assert flag.ball_id is not None
    assert _balance(cheat, f"ball:{flag.ball_id}") == 0
    assert _balance(cheat, flag.account_id) == 296
    assert audit(cheat).ok


def test_a_held_ball_cannot_be_collected_until_released(cheat: Runtime, clock: FakeClock) -> None:
    (flag,), _ = abuse.list_flags(cheat)
    assert flag.ball_id is not None
    clock.advance(days=1)
    (refused,) = game.play(cheat, [Collect("cheat", flag.ball_id)])
    assert refused.refusal is not None
    released = abuse.decide(cheat, flag.id, Decision.RELEASE, "ops", "a marathon, proven")
    assert (released.status, released.decided_by) == (FlagStatus.RELEASED, "ops")
    assert _balance(cheat, f"ball:{flag.ball_id}") == 296
    (collected,) = game.play(cheat, [Collect("cheat", flag.ball_id)])
    assert collected.refusal is None
    assert _balance(cheat, "user:cheat") == 296
    assert audit(cheat).ok


def test_a_confirmed_flag_forfeits_and_decisions_are_final(cheat: Runtime) -> None:
    (flag,), _ = abuse.list_flags(cheat)
    abuse.decide(cheat, flag.id, Decision.CONFIRM, "ops", None)
    again = abuse.decide(cheat, flag.id, Decision.CONFIRM, "ops", None)
    assert again.status is FlagStatus.CONFIRMED
    with pytest.raises(DecisionRefused) as refused:
        abuse.decide(cheat, flag.id, Decision.RELEASE, "ops", None)
    assert refused.value.code == "already_decided"
    assert _balance(cheat, flag.account_id) == 0
    assert audit(cheat).by_kind.get("forfeited") == 296
    assert audit(cheat).ok


def test_concurrent_decisions_move_the_hold_exactly_once(cheat: Runtime) -> None:
    (flag,), _ = abuse.list_flags(cheat)

    def release(_: int) -> FlagStatus:
        return abuse.decide(cheat, flag.id, Decision.RELEASE, "ops", None).status

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(release, range(8)))
    assert set(statuses) == {FlagStatus.RELEASED}
    assert _balance(cheat, f"ball:{flag.ball_id}") == 296
    assert audit(cheat).ok


def test_a_released_ball_past_its_expiry_goes_to_its_owner(
    cheat: Runtime, clock: FakeClock
) -> None:
    (flag,), _ = abuse.list_flags(cheat)
    clock.advance(days=10)
    abuse.decide(cheat, flag.id, Decision.RELEASE, "ops", None)
    assert _balance(cheat, "user:cheat") == 296
    assert audit(cheat).ok
