"""Planting, co-planting, covers, debt settlement and a batch of moves: pure rules, examples.

Every example posts what the rule returns through ``ledger.post`` (via ``Table``), so a rule
that produced an unbalanced or overdrawing transfer would fail here, not only in the store.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from saxaul.catalogue import shipped_energy_rules, shipped_species
from saxaul.domain import planting
from saxaul.domain.accounts import debt_account, participant_account, system_accounts
from saxaul.domain.debts import settle
from saxaul.domain.energy import Ball, new_ball
from saxaul.domain.issuance import appears_at
from saxaul.domain.ledger import Balances, check_invariants
from saxaul.domain.planting import PlantRefused, TreeStatus, cancel, plant, pool, start_co_planting
from saxaul.domain.play import (
    Collect,
    CoPlant,
    Plant,
    Pool,
    Protect,
    Steal,
    Table,
    Water,
    local_day_start,
    local_week_start,
    needs,
)
from saxaul.domain.protection import ProtectRefused, protect

RULES = shipped_energy_rules()
SPECIES = shipped_species()
SAXAUL = SPECIES.get("saxaul")
NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def test_planting_alone_spends_the_whole_cost_at_once() -> None:
    tree, (transfer,) = plant("t1", "u1", SAXAUL, SPECIES.ref, NOW, balance_g=20_000)

    assert tree.status is TreeStatus.PROMISED and tree.pooled_g == 17_900
    assert (transfer.debit_account, transfer.credit_account, transfer.amount_g) == (
        "user:u1",
        "planted",
        17_900,
    )


def test_planting_without_enough_energy_says_how_much_is_missing() -> None:
    with pytest.raises(PlantRefused) as refused:
        plant("t1", "u1", SAXAUL, SPECIES.ref, NOW, balance_g=900)

    assert refused.value.code == "insufficient_energy"
    assert "collect 17000 g more" in refused.value.detail


def test_co_planting_pools_shares_and_the_last_share_plants_the_tree() -> None:
    tree = start_co_planting("t1", "u1", ("u2",), SAXAUL, SPECIES.ref, NOW, are_friends=True)
    tree, first = pool(tree, "u1", 10_000, NOW, balance_g=10_000)
    with pytest.raises(PlantRefused, match="still needs 7900 g"):
        pool(tree, "u2", 8_000, NOW, balance_g=9_000)
    tree, last = pool(tree, "u2", 7_900, NOW, balance_g=9_000)

    assert [t.id for t in (*first, *last)] == ["pool:t1:u1:1", "pool:t1:u2:1", "plant:t1"]
    assert tree.status is TreeStatus.PROMISED and tree.shares == (("u1", 10_000), ("u2", 7_900))
    with pytest.raises(PlantRefused) as late:
        pool(tree, "u1", 1, NOW, balance_g=1)
    assert late.value.code == "not_funding"


def test_co_planting_refuses_strangers_outsiders_and_crowds() -> None:
    with pytest.raises(PlantRefused, match="only co-plant with friends"):
        start_co_planting("t1", "u1", ("u9",), SAXAUL, SPECIES.ref, NOW, are_friends=False)
    crowd = tuple(f"f{n}" for n in range(planting.MAX_CO_PLANTERS))
    with pytest.raises(PlantRefused) as too_many:
        start_co_planting("t1", "u1", crowd, SAXAUL, SPECIES.ref, NOW, are_friends=True)
    assert too_many.value.code == "too_many_planters"
    tree = start_co_planting("t1", "u1", ("u2",), SAXAUL, SPECIES.ref, NOW, are_friends=True)
    with pytest.raises(PlantRefused) as outsider:
        pool(tree, "u3", 10, NOW, balance_g=100)
    assert outsider.value.code == "not_found"


@pytest.mark.parametrize("friends", [("u2", "u2"), ("u2", "u1")], ids=["twice", "myself"])
def test_co_planting_refuses_a_planter_named_twice(friends: tuple[str, ...]) -> None:
    with pytest.raises(PlantRefused) as twice:
        start_co_planting("t1", "u1", friends, SAXAUL, SPECIES.ref, NOW, are_friends=True)

    assert twice.value.code == "duplicate_planter"
    assert twice.value.fields["duplicate"] == friends[-1]


def test_only_the_initiator_cancels_and_every_share_goes_back() -> None:
    tree = start_co_planting("t1", "u1", ("u2",), SAXAUL, SPECIES.ref, NOW, are_friends=True)
    tree, _ = pool(tree, "u1", 100, NOW, balance_g=100)
    tree, _ = pool(tree, "u2", 50, NOW, balance_g=50)
    with pytest.raises(PlantRefused, match="only the planter who started"):
        cancel(tree, "u2", NOW)

    cancelled, refunds = cancel(tree, "u1", NOW)

    assert cancelled.status is TreeStatus.CANCELLED
    assert [(t.credit_account, t.amount_g) for t in refunds] == [("user:u1", 100), ("user:u2", 50)]


def test_a_cover_lasts_an_offered_duration_and_cannot_be_stacked() -> None:
    cover = protect("u1", 24, NOW, RULES, covered_until=None)

    assert cover.ends_at == NOW + dt.timedelta(hours=24) and cover.hours == 24
    with pytest.raises(ProtectRefused, match="already covered until"):
        protect("u1", 72, NOW + dt.timedelta(hours=1), RULES, covered_until=cover.ends_at)
    with pytest.raises(ProtectRefused, match="choose one of 24 h, 72 h, 168 h"):
        protect("u1", 5, NOW, RULES, covered_until=None)
    assert protect("u1", 72, cover.ends_at, RULES, covered_until=cover.ends_at).hours == 72


def test_settlement_repays_at_most_what_came_in_and_what_is_owed() -> None:
    assert settle("u1", 30, 25, NOW, "collect:a7").amount_g == 25  # type: ignore[union-attr]
    assert settle("u1", 5, 25, NOW, "collect:a8").amount_g == 5  # type: ignore[union-attr]
    assert settle("u1", 0, 25, NOW, "collect:a9") is None


def test_a_days_ball_appears_the_next_local_midnight_or_when_scored() -> None:
    day = dt.date(2026, 3, 1).toordinal()
    on_time = dt.datetime(2026, 3, 1, 15, 10, tzinfo=dt.UTC)  # 23:10 in Shanghai
    late = dt.datetime(2026, 3, 4, 2, 0, tzinfo=dt.UTC)

    assert appears_at(day, on_time, RULES) == dt.datetime(2026, 3, 1, 16, 0, tzinfo=dt.UTC)
    assert appears_at(day, late, RULES) == late


def test_days_and_weeks_are_local_to_the_rules_zone() -> None:
    sunday_late = dt.datetime(2026, 3, 1, 17, 0, tzinfo=dt.UTC)  # Monday 01:00 in Shanghai

    assert local_day_start(sunday_late, RULES).isoformat() == "2026-03-02T00:00:00+08:00"
    assert local_week_start(sunday_late, RULES).isoformat() == "2026-03-02T00:00:00+08:00"


def _table(balls: dict[str, Ball], balances: dict[str, int], owed: dict[str, int]) -> Table:
    owned = [ball.account for ball in balls.values()]
    for user in ("u1", "u2", "u3"):
        owned += [participant_account(user), debt_account(user)]
    accounts = {**system_accounts(), **{account.id: account for account in owned}}
    return Table(
        now=NOW,
        rules=RULES,
        species=SPECIES,
        accounts=accounts,
        balances=dict(balances),
        balls=balls,
        trees={},
        friends={frozenset(("u1", "u2"))},
        covered_until={},
        steals_today=Counter(),
        waterings_today=Counter(),
        owed_g=owed,
    )


def test_a_batch_plays_in_order_and_repays_debt_from_what_comes_in() -> None:
    ball, award = new_ball("a1", "u1", "walking", 100, NOW - dt.timedelta(days=2), RULES)
    table = _table({"a1": ball}, {ball.account_id: 100, "issuance": -100}, {"u1": 30})

    outcomes = table.play_all(
        [Steal("u2", "a1"), Steal("u3", "a1"), Collect("u1", "a1"), Water("u1", "u2", 18)]
    )

    assert [o.ok for o in outcomes] == [True, False, True, True]
    assert outcomes[1].refusal is not None and outcomes[1].refusal.code == "not_friends"
    assert [t.id for t in outcomes[2].transfers] == ["collect:a1", "settle:collect:a1"]
    assert table.balance("u1") == 100 - 30 - 30 - 18 and table.owed_g["u1"] == 0
    assert table.waterings_today["u1"] == 1 and table.steals_today["u2"] == 1
    assert check_invariants(Balances(table.balances), table.accounts) == []
    assert award.amount_g == 100


def test_a_batch_refuses_a_replayed_tree_and_opens_a_co_planted_pool() -> None:
    table = _table({}, {"user:u1": 20_000, "issuance": -20_000}, {})

    outcomes = table.play_all(
        [
            Plant("u1", "saxaul", "t1"),
            Plant("u1", "saxaul", "t1"),
            CoPlant("u1", "caragana", ("u2",), "t2"),
            Pool("u1", "t2", 2_000),
            Protect("u1", 24),
        ]
    )

    assert [o.ok for o in outcomes] == [True, False, True, True, True]
    assert outcomes[1].refusal is not None and outcomes[1].refusal.code == "already_exists"
    assert table.balances["tree:t2"] == 2_000 and "tree:t2" in table.opened
    assert set(table.changed_trees) == {"t1", "t2"} and len(table.covers) == 1


def test_needs_name_every_account_a_batch_may_debit() -> None:
    need = needs([Steal("u2", "a1"), Water("u1", "u3", 10), Pool("u1", "t1", 5)])

    assert need.accounts == {"ball:a1", "tree:t1", "user:u1", "user:u2", "user:u3"}
    assert need.pairs == {frozenset(("u1", "u3"))} and need.trees == {"t1"}
