"""Refunds and chargebacks on SQLite and PostgreSQL: awards reversed by compensating transfers.

Each test arranges a forest through the real services (rides imported and scored, balls minted,
moves played), reverses rides, and checks where the grams came from: the ball, the expired
account, the owner's balance, and what is left as debt. Every test ends with the ledger audit.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from saxaul.domain.accounts import ball_account_id
from saxaul.domain.energy import Ball
from saxaul.domain.play import Collect, CoPlant, Move, Pool, Steal
from saxaul.domain.reversal import ReversalReason, ReversalRequest, ReversalStatus
from saxaul.services.balls import expire_balls, mint_balls
from saxaul.services.forest import my_forest
from saxaul.services.game import play
from saxaul.services.ledger_audit import audit
from saxaul.services.reversals import ReversalResult, import_reversals, reverse_events
from saxaul.services.runtime import Runtime
from saxaul.store import balls_repo, ledger_repo
from saxaul.store.tables import ledger_transfers, reversals
from tests.conftest import FakeClock
from tests.game_world import RIDE_G, balls_for, befriend, enrol, rides

DAY = dt.date(2026, 11, 4)
"""Rides on the local day before the clock's: their balls appear now and ripen in 24 h."""


def ride_id(user: str, n: int, day: dt.date = DAY) -> str:
    """The event id ``game_world.rides`` gives ``user``'s n-th ride of ``day``."""
    return f"{user}-{day.isoformat()}-{n}"


def refund(
    event_id: str, original: str, reason: ReversalReason = ReversalReason.REFUND
) -> ReversalRequest:
    return ReversalRequest(
        source="transit",
        event_id=event_id,
        original_event_id=original,
        reason=reason,
        occurred_at=dt.datetime(2026, 11, 5, 9, 30, tzinfo=dt.UTC),
    )


def reverse(rt: Runtime, *requests: ReversalRequest) -> list[ReversalResult]:
    return reverse_events(rt, list(requests))


def only_ball(rt: Runtime, user: str) -> str:
    """The id of ``user``'s one live ball."""
    (ball,) = my_forest(rt, user).balls
    return ball.id


def ball(rt: Runtime, ball_id: str) -> Ball:
    """The ball as the game loads it: amount net of reversals, remaining from its account."""
    account = ball_account_id(ball_id)
    with rt.db.engine.connect() as conn:
        balance = ledger_repo.balance_of(conn, account)
        return balls_repo.load_balls(conn, [ball_id], {account: balance})[ball_id]


def energy(rt: Runtime, user: str) -> tuple[int, int]:
    """(spendable grams, grams owed) of ``user``."""
    forest = my_forest(rt, user)
    return forest.energy_g, forest.owed_g


def played(rt: Runtime, *moves: Move) -> None:
    outcomes = play(rt, list(moves))
    assert [o.refusal for o in outcomes] == [None] * len(moves)


def transfer_ids(rt: Runtime, prefix: str) -> dict[str, int]:
    t = ledger_transfers.c
    with rt.db.engine.connect() as conn:
        rows = conn.execute(select(t.id, t.amount_g).where(t.id.like(f"{prefix}%")))
        return {row.id: row.amount_g for row in rows}


def assert_sound(rt: Runtime) -> None:
    assert audit(rt).problems == []


@pytest.fixture
def forest(runtime: Runtime, tmp_path: Path) -> Runtime:
    """u1, u2 (friends) and u3 enrolled."""
    enrol(runtime, ["u1", "u2", "u3"], tmp_path)
    befriend(runtime, "u1", "u2")
    return runtime


def test_an_uncollected_ball_shrinks(forest: Runtime, clock: FakeClock) -> None:
    balls_for(forest, {"u1": 3}, DAY)
    a1 = only_ball(forest, "u1")

    (result,) = reverse(forest, refund("r1", ride_id("u1", 0)))

    assert (result.status, result.award_id, result.reversed_mg) == ("applied", a1, 52_000)
    assert (result.clawback.from_ball_g, result.clawback.total_g) == (RIDE_G, RIDE_G)
    assert not result.replayed
    shrunk = ball(forest, a1)
    assert (shrunk.amount_g, shrunk.remaining_g) == (2 * RIDE_G, 2 * RIDE_G)
    assert transfer_ids(forest, "reverse:") == {"reverse:transit:r1:ball": RIDE_G}
    clock.advance(hours=24)
    played(forest, Collect("u1", a1))
    assert energy(forest, "u1") == (2 * RIDE_G, 0)
    assert_sound(forest)


def test_collected_energy_is_clawed_back_from_the_balance(
    forest: Runtime, clock: FakeClock
) -> None:
    balls_for(forest, {"u1": 3}, DAY)
    a1 = only_ball(forest, "u1")
    clock.advance(hours=24)
    played(forest, Collect("u1", a1))

    (result,) = reverse(forest, refund("r1", ride_id("u1", 1), ReversalReason.CHARGEBACK))

    assert result.status is ReversalStatus.APPLIED
    assert (result.clawback.from_balance_g, result.clawback.debt_g) == (RIDE_G, 0)
    assert energy(forest, "u1") == (2 * RIDE_G, 0)
    assert transfer_ids(forest, "reverse:") == {"reverse:transit:r1:balance": RIDE_G}
    assert_sound(forest)


def test_energy_spent_on_a_tree_becomes_debt_that_the_next_collect_repays(
    forest: Runtime, clock: FakeClock
) -> None:
    balls_for(forest, {"u1": 5}, DAY)
    a1 = only_ball(forest, "u1")
    clock.advance(hours=24)
    played(
        forest,
        Collect("u1", a1),
        CoPlant("u1", "saxaul", ("u2",), "t1"),
        Pool("u1", "t1", 5 * RIDE_G - 10),
    )
    assert energy(forest, "u1") == (10, 0)

    first, second = reverse(forest, refund("r1", ride_id("u1", 0)), refund("r2", ride_id("u1", 1)))

    assert (first.clawback.from_balance_g, first.clawback.debt_g) == (10, RIDE_G - 10)
    assert (second.clawback.from_balance_g, second.clawback.debt_g) == (0, RIDE_G)
    assert energy(forest, "u1") == (0, 2 * RIDE_G - 10)
    assert transfer_ids(forest, "reverse:") == {
        "reverse:transit:r1:balance": 10,
        "reverse:transit:r1:debt": RIDE_G - 10,
        "reverse:transit:r2:debt": RIDE_G,
    }

    next_day = DAY + dt.timedelta(days=1)
    balls_for(forest, {"u1": 1}, next_day)
    a2 = only_ball(forest, "u1")
    clock.advance(hours=48)
    played(forest, Collect("u1", a2))

    assert energy(forest, "u1") == (0, RIDE_G - 10)
    assert transfer_ids(forest, "settle:") == {f"settle:collect:{a2}": RIDE_G}
    assert_sound(forest)


def test_energy_a_friend_stole_stays_with_them_and_the_owner_owes_it(
    forest: Runtime, clock: FakeClock
) -> None:
    balls_for(forest, {"u1": 3}, DAY)
    a1 = only_ball(forest, "u1")
    clock.advance(hours=24)
    played(forest, Steal("u2", a1))
    stolen = energy(forest, "u2")[0]
    assert stolen == 46  # 30 % of 156 g, floor

    results = reverse(forest, *(refund(f"r{n}", ride_id("u1", n)) for n in range(3)))

    grams = [(r.clawback.from_ball_g, r.clawback.debt_g) for r in results]
    assert grams == [(RIDE_G, 0), (RIDE_G, 0), (3 * RIDE_G - stolen - 2 * RIDE_G, stolen)]
    assert (ball(forest, a1).amount_g, ball(forest, a1).remaining_g) == (stolen, 0)
    assert energy(forest, "u2") == (stolen, 0)
    assert energy(forest, "u1") == (0, stolen)
    assert_sound(forest)


def test_an_expired_ball_is_taken_back_from_the_expired_account(
    forest: Runtime, clock: FakeClock
) -> None:
    balls_for(forest, {"u1": 3}, DAY)
    a1 = only_ball(forest, "u1")
    clock.advance(hours=24)
    played(forest, Steal("u2", a1))
    clock.advance(hours=72)
    assert expire_balls(forest).grams == 3 * RIDE_G - 46

    first, second = reverse(forest, refund("r1", ride_id("u1", 0)), refund("r2", ride_id("u1", 1)))
    (third,) = reverse(forest, refund("r3", ride_id("u1", 2)))

    assert [r.clawback.from_expired_g for r in (first, second, third)] == [52, 52, 6]
    assert third.clawback.debt_g == 46
    assert ball(forest, a1).expired_g == 110  # expiry history stands; the claw is a new entry
    assert transfer_ids(forest, "reverse:transit:r3") == {
        "reverse:transit:r3:expired": 6,
        "reverse:transit:r3:debt": 46,
    }
    assert_sound(forest)


def test_a_reversal_sent_again_answers_its_first_result(forest: Runtime, clock: FakeClock) -> None:
    balls_for(forest, {"u1": 3}, DAY)
    clock.advance(hours=24)
    played(forest, Collect("u1", only_ball(forest, "u1")))
    request = refund("r1", ride_id("u1", 0))
    (first,) = reverse(forest, request)

    again, in_batch = reverse(forest, request, request)
    changed = refund("r1", ride_id("u1", 1))
    (conflict,) = reverse(forest, changed)

    assert again.replayed and in_batch.replayed
    assert again == in_batch
    assert again.clawback == first.clawback and again.status is ReversalStatus.APPLIED
    assert (again.award_id, again.reversed_mg, again.detail) == (
        first.award_id,
        first.reversed_mg,
        first.detail,
    )
    assert conflict.status is ReversalStatus.EXISTS_WITH_DIFFERENT_FIELDS
    assert "new event_id" in conflict.detail
    assert energy(forest, "u1") == (2 * RIDE_G, 0)
    assert_sound(forest)


def test_a_second_reversal_of_the_same_event_is_already_reversed(forest: Runtime) -> None:
    balls_for(forest, {"u1": 3}, DAY)
    a1 = only_ball(forest, "u1")
    original = ride_id("u1", 0)

    first, same_batch = reverse(forest, refund("r1", original), refund("r2", original))
    (later,) = reverse(forest, refund("r3", original, ReversalReason.CHARGEBACK))

    assert first.status is ReversalStatus.APPLIED
    assert same_batch.status is later.status is ReversalStatus.ALREADY_REVERSED
    assert "r1" in later.detail and later.clawback.total_g == 0
    assert ball(forest, a1).remaining_g == 2 * RIDE_G
    assert_sound(forest)


def test_an_unknown_event_is_not_recorded_so_it_can_be_sent_again(forest: Runtime) -> None:
    request = refund("r1", ride_id("u1", 0))

    (unknown,) = reverse(forest, request)

    assert unknown.status is ReversalStatus.UNKNOWN_EVENT
    assert "import the original event first" in unknown.detail
    with forest.db.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(reversals)).scalar() == 0

    balls_for(forest, {"u1": 1}, DAY)
    (applied,) = reverse(forest, request)

    assert (applied.status, applied.clawback.from_ball_g) == ("applied", RIDE_G)
    assert my_forest(forest, "u1").balls == ()
    assert_sound(forest)


def test_an_event_that_earned_nothing_has_nothing_to_reverse(forest: Runtime) -> None:
    rides(forest, "stranger", 1, DAY)  # not enrolled: stored as no_consent

    (result,) = reverse(forest, refund("r1", ride_id("stranger", 0)))
    (again,) = reverse(forest, refund("r2", ride_id("stranger", 0)))

    assert (result.status, result.award_id, result.clawback.total_g) == ("not_scored", None, 0)
    assert again.status is ReversalStatus.ALREADY_REVERSED
    assert_sound(forest)


def test_an_award_not_yet_minted_is_minted_first(forest: Runtime) -> None:
    rides(forest, "u1", 3, DAY)  # scored, but the mint job has not run

    (result,) = reverse(forest, refund("r1", ride_id("u1", 2)))

    assert result.clawback.from_ball_g == RIDE_G
    assert ball(forest, str(result.award_id)).amount_g == 2 * RIDE_G
    assert mint_balls(forest).balls == 0
    assert_sound(forest)


def test_a_reversal_file_reports_bad_rows_and_reverses_the_good(
    forest: Runtime, tmp_path: Path
) -> None:
    balls_for(forest, {"u1": 3}, DAY)
    path = tmp_path / "reversals.csv"
    path.write_text(
        "source,event_id,original_event_id,reason,occurred_at\n"
        f"transit,r1,{ride_id('u1', 0)},refund,2026-11-05T09:30:00+08:00\n"
        f"transit,r2,{ride_id('u1', 1)},returned,2026-11-05T09:30:00+08:00\n"
        f"transit,r3,{ride_id('u1', 2)},chargeback,2026-11-05 09:30\n"
        "transit,r4,nothing-like-it,chargeback,2026-11-05T09:30:00Z\n"
    )

    done = import_reversals(forest, path)
    again = import_reversals(forest, path)

    assert done.rows_read == 4
    assert [(r.line, r.field, r.code) for r in done.rejected] == [
        (3, "reason", "invalid_value"),
        (4, "occurred_at", "invalid_timestamp"),
    ]
    assert "refund or chargeback" in done.rejected[0].reason
    assert done.by_status == {"applied": 1, "unknown_event": 1}
    assert done.clawback.from_ball_g == RIDE_G
    assert [r.replayed for r in again.results] == [True, False]
    assert again.clawback.total_g == 0
    assert_sound(forest)
