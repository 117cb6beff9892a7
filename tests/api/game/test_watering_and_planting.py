"""The forest game over HTTP: watering friends, planting alone, co-planting, pooling and
cancelling, with replay by Idempotency-Key.

Refusals are problem JSON a person can read (in English and Chinese); the world is
``world.py``'s.
"""

from __future__ import annotations

import pytest

from saxaul.services.game_requests import tree_id_for
from saxaul.services.runtime import Runtime
from tests.api.game.world import BALL_G, World, rich
from tests.api.helpers import assert_problem
from tests.game_world import BUS_G, RIDE_G

# ---------------------------------------------------------------- watering


def test_watering_gives_a_friend_energy_a_few_times_a_day(ripe: World) -> None:
    ripe.post("u1", f"/v1/me/balls/{ripe.balls['u1']}/collect")

    for n in range(3):
        watered = ripe.post("u1", "/v1/friends/u2/water", key=f"w{n}", json={"amount_g": 10})
        assert watered.status_code == 200, watered.text
    fourth = ripe.post("u1", "/v1/friends/u2/water", key="w3", json={"amount_g": 10})

    assert ripe.energy("u1") == 3 * RIDE_G - 30 and ripe.energy("u2") == 30
    body = assert_problem(fourth, 429, "daily_limit")
    assert body["detail_zh"] == "你今天已经浇水 3 次，每天最多 3 次，明天再来吧"


@pytest.mark.parametrize(
    ("friend", "amount_g", "status", "code"),
    [
        ("u2", 20, 422, "not_a_step"),
        ("u4", 10, 403, "not_friends"),
        ("u1", 10, 422, "own_account"),
        ("u2", 66, 409, "insufficient_energy"),
    ],
)
def test_watering_refusals(ripe: World, friend: str, amount_g: int, status: int, code: str) -> None:
    response = ripe.post("u1", f"/v1/friends/{friend}/water", key="w", json={"amount_g": amount_g})

    body = assert_problem(response, status, code)
    assert body["detail_zh"]


# ---------------------------------------------------------------- planting


def test_planting_alone_and_retrying_plants_one_tree(world: World, rt: Runtime) -> None:
    assert rich(world, rt, "u1", 250) == 250 * BUS_G + BALL_G["u1"]
    species = {"species_id": "saxaul"}

    first = world.post("u1", "/v1/me/trees", key="plant-1", json=species)
    retry = world.post("u1", "/v1/me/trees", key="plant-1", json=species)

    assert first.status_code == retry.status_code == 200, first.text
    tree = first.json()["tree"]
    assert tree["id"] == tree_id_for("u1", "plant-1")
    assert (tree["status"], tree["mode"], tree["cost_g"]) == ("promised", "solo", 17_900)
    assert tree["certificate"]["species_zh"] == "梭梭"
    assert retry.json() == {**first.json(), "replayed": True}
    assert world.energy("u1") == 250 * BUS_G + BALL_G["u1"] - 17_900
    ledger = world.get("u1", "/v1/me/ledger").json()["transfers"]
    assert [t["id"] for t in ledger if t["kind"] == "plant"] == [f"plant:{tree['id']}"]
    assert [t["id"] for t in world.get("u1", "/v1/me/trees").json()["trees"]] == [tree["id"]]
    shown = world.get("u1", f"/v1/trees/{tree['id']}").json()
    assert {k: v for k, v in shown.items() if k not in {"planting", "certificate"}} == {
        k: v for k, v in tree.items() if k not in {"planting", "certificate"}
    }
    assert shown["planting"]["status"] == "owed", "promised to a project at once"
    assert shown["certificate"]["planting_zh"] == "待种植：等待下单"


def test_a_key_sent_again_with_another_body_is_refused(world: World, rt: Runtime) -> None:
    rich(world, rt, "u1", 250)
    world.post("u1", "/v1/me/trees", key="plant-1", json={"species_id": "saxaul"})

    other = world.post("u1", "/v1/me/trees", key="plant-1", json={"species_id": "caragana"})

    body = assert_problem(other, 409, "idempotency_key_reused")
    assert body["field"] == "Idempotency-Key" and body["detail_zh"]
    assert world.energy("u1") == 250 * BUS_G + BALL_G["u1"] - 17_900


def test_planting_without_enough_energy_says_how_much_is_missing(ripe: World) -> None:
    response = ripe.post("u1", "/v1/me/trees", key="p", json={"species_id": "saxaul"})

    body = assert_problem(response, 409, "insufficient_energy")
    assert "costs 17900 g and you have 0 g" in body["detail"]
    assert body["detail_zh"].startswith("种这棵树需要 17900 克能量，你现在有 0 克")
    unknown = ripe.post("u1", "/v1/me/trees", key="q", json={"species_id": "oak"})
    assert assert_problem(unknown, 422, "unknown_species")["detail_zh"] == (
        "没有树种 oak；请从树种目录中选择"
    )


def test_co_planting_pooling_and_cancelling(world: World, rt: Runtime) -> None:
    rich(world, rt, "u2", 100)
    started = world.post(
        "u1", "/v1/me/co-plantings", key="co-1", json={"species_id": "saxaul", "friends": ["u2"]}
    )
    assert started.status_code == 200, started.text
    tree = started.json()["tree"]
    assert (tree["status"], tree["members"], started.json()["transfers"]) == (
        "funding",
        ["u1", "u2"],
        [],
    )
    path = f"/v1/trees/{tree['id']}"

    pooled = world.post("u2", f"{path}/pool", key="pool-1", json={"amount_g": 5_000})

    assert pooled.status_code == 200, pooled.text
    assert pooled.json()["tree"]["pooled_g"] == 5_000
    too_much = world.post("u2", f"{path}/pool", key="pool-2", json={"amount_g": 12_901})
    assert "still needs 12900 g" in assert_problem(too_much, 422, "more_than_needed")["detail"]
    stranger = world.post("u3", f"{path}/pool", key="pool-3", json={"amount_g": 10})
    assert_problem(stranger, 404, "not_found")
    by_member = world.post("u2", f"{path}/cancel", key="cancel-1")
    assert assert_problem(by_member, 403, "not_initiator")["detail_zh"]

    cancelled = world.post("u1", f"{path}/cancel", key="cancel-2")

    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["tree"]["status"] == "cancelled"
    assert world.energy("u2") == 100 * BUS_G + BALL_G["u2"]
    late = world.post("u2", f"{path}/pool", key="pool-4", json={"amount_g": 10})
    assert_problem(late, 409, "not_funding")


def test_co_planting_with_strangers_or_a_crowd_is_refused(ripe: World) -> None:
    with_stranger = ripe.post(
        "u1", "/v1/me/co-plantings", key="a", json={"species_id": "saxaul", "friends": ["u4"]}
    )
    crowd = [f"x{n}" for n in range(10)]
    too_many = ripe.post(
        "u1", "/v1/me/co-plantings", key="b", json={"species_id": "saxaul", "friends": crowd}
    )

    assert_problem(with_stranger, 403, "not_friends")
    assert assert_problem(too_many, 422, "too_many_planters")["detail_zh"] == (
        "一次合种最多 10 人，包括你自己"
    )


def test_nobody_reads_a_tree_they_do_not_plant(ripe: World) -> None:
    started = ripe.post(
        "u1", "/v1/me/co-plantings", key="co", json={"species_id": "saxaul", "friends": ["u2"]}
    )
    tree_id = started.json()["tree"]["id"]

    assert ripe.get("u2", f"/v1/trees/{tree_id}").status_code == 200
    body = assert_problem(ripe.get("u3", f"/v1/trees/{tree_id}"), 404, "not_found")
    assert body["detail"] == f"you have no tree {tree_id}"
    assert_problem(ripe.get("u3", "/v1/trees/no-such-tree"), 404, "not_found")
    assert ripe.get("u3", "/v1/me/trees").json()["trees"] == []


def test_nobody_pools_into_or_cancels_a_tree_they_do_not_plant(ripe: World) -> None:
    started = ripe.post(
        "u1", "/v1/me/co-plantings", key="co", json={"species_id": "saxaul", "friends": ["u2"]}
    )
    path = f"/v1/trees/{started.json()['tree']['id']}"

    pool = ripe.post("u4", f"{path}/pool", key="p", json={"amount_g": 10})
    cancel = ripe.post("u4", f"{path}/cancel", key="c")

    unknown = ripe.post("u4", "/v1/trees/nothing/pool", key="q", json={"amount_g": 10})
    tree_id = started.json()["tree"]["id"]
    assert_problem(pool, 404, "not_found")
    assert_problem(cancel, 404, "not_found")
    assert pool.text.replace(tree_id, "nothing") == unknown.text  # nothing tells them apart
    assert ripe.get("u1", path).json()["status"] == "funding"


def test_a_co_planting_names_each_planter_once(ripe: World) -> None:
    for key, friends in (("a", ["u2", "u2"]), ("b", ["u2", "u1"])):
        response = ripe.post(
            "u1", "/v1/me/co-plantings", key=key, json={"species_id": "saxaul", "friends": friends}
        )
        body = assert_problem(response, 422, "duplicate_planter")
        assert (body["field"], body["duplicate"]) == ("friends", friends[-1])
        assert body["detail_zh"].startswith(f"{friends[-1]} 被重复填写了")
    assert ripe.get("u1", "/v1/me/trees").json()["trees"] == []
