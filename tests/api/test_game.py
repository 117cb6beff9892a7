"""The forest game over HTTP: each route's happy path, its refusals as problem JSON a person can
read (in English and Chinese), replay by Idempotency-Key, and who may touch whose balls and trees.

The world (through the real services): u1, u2, u3 and the stranger u4, enrolled; u1 is friends
with u2 and u3. Each has one ball of metro rides taken on 11-04, scored at the fake clock's
11-05 12:00 UTC, so every ball ripens 11-06 12:00 UTC (20:00 in Shanghai) and expires 11-09.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from saxaul.api.i18n import ZH
from saxaul.api.problems import PROBLEMS
from saxaul.services.game_requests import tree_id_for
from saxaul.services.participant_auth import issue_token
from saxaul.services.runtime import Runtime
from tests.conftest import FakeClock
from tests.game_world import BUS_G, RIDE_G, balls_for, befriend, bus_trips, enrol

from .helpers import assert_problem

DAY = dt.date(2026, 11, 4)
RIPE = {"hours": 25}
"""From the set-up's 11-05 12:00 UTC to 11-06 13:00 UTC: every ball is ripe."""
TOKEN_TTL = dt.timedelta(days=30)
"""Long enough to outlast the days the clock is moved on by (the default is 12 hours)."""
BALL_G = {"u1": 3 * RIDE_G, "u2": 2 * RIDE_G, "u3": RIDE_G, "u4": RIDE_G}

Headers = dict[str, str]


class World:
    """Tokens and ball ids of the players, and the client to play with."""

    def __init__(self, client: TestClient, tokens: dict[str, Headers], auth: Headers) -> None:
        self.client = client
        self.tokens = tokens
        self.auth = auth
        self.balls = {
            user: client.get("/v1/me/forest", headers=headers).json()["balls"][0]["id"]
            for user, headers in tokens.items()
        }

    def get(self, user: str, path: str, **kwargs: Any) -> Response:
        return self.client.get(path, headers=self.tokens[user], **kwargs)

    def post(self, user: str, path: str, key: str | None = None, **kwargs: Any) -> Response:
        headers = dict(self.tokens[user])
        if key is not None:
            headers["Idempotency-Key"] = key
        return self.client.post(path, headers=headers, **kwargs)

    def energy(self, user: str) -> int:
        energy: int = self.get(user, "/v1/me/forest").json()["energy_g"]
        return energy


@pytest.fixture
def world(client: TestClient, rt: Runtime, tmp_path: Path, auth: Headers) -> World:
    enrol(rt, ["u1", "u2", "u3", "u4"], tmp_path)
    befriend(rt, "u1", "u2")
    befriend(rt, "u3", "u1")
    assert balls_for(rt, {u: g // RIDE_G for u, g in BALL_G.items()}, DAY) == 4
    tokens = {u: issue_token(rt, u, TOKEN_TTL).token for u in ("u1", "u2", "u3", "u4")}
    return World(client, {u: {"Authorization": f"Bearer {t}"} for u, t in tokens.items()}, auth)


@pytest.fixture
def ripe(world: World, clock: FakeClock) -> World:
    clock.advance(**RIPE)
    return world


def rich(world: World, rt: Runtime, user: str, trips: int) -> int:
    """Give ``user`` a ball of ``trips`` bus rides, ripen and collect all their balls; returns
    their energy then."""
    bus_trips(rt, user, trips, DAY)
    assert world.client.post("/v1/jobs/mint-balls", headers=world.auth).json()["balls"] == 1
    assert isinstance(rt.clock, FakeClock)
    rt.clock.advance(**RIPE)
    for ball in world.get(user, "/v1/me/forest").json()["balls"]:
        assert world.post(user, f"/v1/me/balls/{ball['id']}/collect").status_code == 200
    return world.energy(user)


# ---------------------------------------------------------------- my forest, collecting


def test_my_forest_shows_a_growing_ball_then_a_ripe_one(world: World, clock: FakeClock) -> None:
    forest = world.get("u1", "/v1/me/forest").json()

    assert forest["energy_g"] == 0 and forest["owed_g"] == 0 and forest["covered_until"] is None
    (ball,) = forest["balls"]
    assert (ball["owner"], ball["amount_g"], ball["state"]) == ("u1", 3 * RIDE_G, "growing")
    assert ball["ripens_at"] == forest["next_ripens_at"] == "2026-11-06T12:00:00Z"
    assert forest["progress"][0]["species_id"] == "caragana"  # the cheapest first
    clock.advance(**RIPE)
    assert world.get("u1", "/v1/me/forest").json()["balls"][0]["state"] == "ripe"


def test_collecting_a_ripe_ball_moves_it_into_my_energy(ripe: World) -> None:
    ball = ripe.balls["u1"]

    response = ripe.post("u1", f"/v1/me/balls/{ball}/collect")

    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["move"] == "collect" and answer["replayed"] is False
    assert answer["transfers"] == [
        {
            "id": f"collect:{ball}",
            "kind": "collect",
            "from": f"ball:{ball}",
            "to": "user:u1",
            "amount_g": 3 * RIDE_G,
            "at": "2026-11-06T13:00:00Z",
            "reference": ball,
        }
    ]
    assert answer["ball"]["remaining_g"] == 0 and answer["ball"]["state"] == "empty"
    assert answer["ball"]["taken_by"] == [{"user_id": "u1", "grams": 3 * RIDE_G}]
    assert ripe.energy("u1") == 3 * RIDE_G
    again = ripe.post("u1", f"/v1/me/balls/{ball}/collect")
    assert "collected or stolen" in assert_problem(again, 409, "nothing_to_take")["detail"]


def test_a_ball_not_ripe_yet_says_when_it_ripens(world: World) -> None:
    response = world.post("u1", f"/v1/me/balls/{world.balls['u1']}/collect")

    body = assert_problem(response, 409, "not_ripe")
    assert "ripens at 2026-11-06 12:00 UTC" in body["detail"]
    assert body["ripens_at"] == "2026-11-06T12:00:00+00:00"
    assert body["detail_zh"] == "这个能量球将于 11月6日 20:00 成熟，到时再来收取吧"


def test_a_collect_retried_with_its_key_gets_the_first_answer(ripe: World) -> None:
    path = f"/v1/me/balls/{ripe.balls['u1']}/collect"

    first = ripe.post("u1", path, key="collect-1")
    again = ripe.post("u1", path, key="collect-1")

    assert first.status_code == again.status_code == 200
    assert again.json() == {**first.json(), "replayed": True}
    assert ripe.energy("u1") == 3 * RIDE_G


def test_nobody_collects_another_players_ball(ripe: World) -> None:
    response = ripe.post("u2", f"/v1/me/balls/{ripe.balls['u1']}/collect")

    body = assert_problem(response, 403, "not_owner")
    assert "only the ball's owner" in body["detail"] and body["detail_zh"]
    assert ripe.get("u1", "/v1/me/forest").json()["balls"][0]["remaining_g"] == 3 * RIDE_G


def test_an_unknown_ball_is_404(ripe: World) -> None:
    body = assert_problem(ripe.post("u1", "/v1/me/balls/nope/collect"), 404, "not_found")
    assert body["detail_zh"] == "没有编号为 nope 的能量球"


# ---------------------------------------------------------------- friends' forests, stealing


def test_a_friend_sees_what_they_could_steal_and_steals_it(ripe: World) -> None:
    ball = ripe.balls["u1"]
    forest = ripe.get("u2", "/v1/friends/u1/forest").json()

    assert forest["user_id"] == "u1" and forest["stealable_now"] == 1
    assert forest["balls"][0]["stealable_g"] == 3 * RIDE_G * 3 // 10

    stolen = ripe.post("u2", f"/v1/friends/u1/balls/{ball}/steal")

    assert stolen.status_code == 200, stolen.text
    (transfer,) = stolen.json()["transfers"]
    assert (transfer["id"], transfer["amount_g"]) == (f"steal:{ball}:u2:1", 46)
    assert ripe.energy("u2") == 46
    assert ripe.get("u2", "/v1/friends/u1/forest").json()["balls"][0]["stealable_g"] == 0
    again = ripe.post("u2", f"/v1/friends/u1/balls/{ball}/steal")
    assert assert_problem(again, 409, "already_stolen")["detail_zh"] == "你已经偷过这个能量球了"
    owner_sees = ripe.get("u1", "/v1/me/forest").json()["balls"][0]
    assert owner_sees["taken_by"] == [{"user_id": "u2", "grams": 46}]


def test_nobody_steals_or_looks_without_friendship(ripe: World) -> None:
    steal = ripe.post("u4", f"/v1/friends/u1/balls/{ripe.balls['u1']}/steal")
    look = ripe.get("u4", "/v1/friends/u1/forest")

    assert assert_problem(steal, 403, "not_friends")["detail_zh"].startswith("只能偷好友的能量")
    assert "only friends" in assert_problem(look, 403, "not_friends")["detail"]
    assert ripe.get("u1", "/v1/me/forest").json()["balls"][0]["remaining_g"] == 3 * RIDE_G


def test_a_ball_must_belong_to_the_friend_named_in_the_path(ripe: World) -> None:
    """u2 is u1's friend, but u3's ball is not u1's: not found, and nothing taken from it."""
    response = ripe.post("u2", f"/v1/friends/u1/balls/{ripe.balls['u3']}/steal")

    body = assert_problem(response, 404, "not_found")
    assert body["detail"] == f"u1 has no ball {ripe.balls['u3']}" and body["field"] == "ball_id"
    assert body["detail_zh"] == f"u1 没有编号为 {ripe.balls['u3']} 的能量球"


def test_stealing_your_own_ball_is_refused(ripe: World) -> None:
    response = ripe.post("u1", f"/v1/friends/u1/balls/{ripe.balls['u1']}/steal")

    assert "collect it instead" in assert_problem(response, 403, "own_ball")["detail"]


def test_a_cover_stops_stealing_until_it_ends(ripe: World) -> None:
    covered = ripe.post("u1", "/v1/me/covers", key="cover-1", json={"hours": 24})

    assert covered.status_code == 200, covered.text
    cover = covered.json()["cover"]
    assert (cover["hours"], cover["ends_at"]) == (24, "2026-11-07T13:00:00Z")
    steal = ripe.post("u2", f"/v1/friends/u1/balls/{ripe.balls['u1']}/steal")
    body = assert_problem(steal, 409, "covered")
    assert "covered until 2026-11-07 13:00 UTC" in body["detail"]
    assert body["detail_zh"] == "对方的能量有保护罩，到 11月7日 21:00 前都不能偷"
    again = ripe.post("u1", "/v1/me/covers", key="cover-2", json={"hours": 72})
    assert "already covered until" in assert_problem(again, 409, "already_covered")["detail"]
    odd = ripe.post("u1", "/v1/me/covers", key="cover-3", json={"hours": 5})
    assert assert_problem(odd, 422, "not_a_cover")["detail_zh"] == (
        "没有 5 小时的保护罩；可选 24、72、168 小时"
    )


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
    assert [t["id"] for t in world.get("u1", "/v1/me/trees").json()] == [tree["id"]]
    assert world.get("u1", f"/v1/trees/{tree['id']}").json() == tree


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
    assert ripe.get("u3", "/v1/me/trees").json() == []


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
    assert ripe.get("u1", "/v1/me/trees").json() == []


# ---------------------------------------------------------------- keys and bounds


@pytest.fixture
def u1(rt: Runtime, tmp_path: Path) -> Headers:
    """Only u1 and their token: requests refused before they reach the game need no more."""
    enrol(rt, ["u1"], tmp_path)
    return {"Authorization": f"Bearer {issue_token(rt, 'u1').token}"}


@pytest.mark.parametrize(
    ("path", "payload"),
    [
        ("/v1/me/trees", {"species_id": "saxaul"}),
        ("/v1/me/co-plantings", {"species_id": "saxaul", "friends": ["u2"]}),
        ("/v1/trees/t1/pool", {"amount_g": 10}),
        ("/v1/trees/t1/cancel", None),
        ("/v1/friends/u2/water", {"amount_g": 10}),
        ("/v1/me/covers", {"hours": 24}),
    ],
)
def test_moves_that_spend_energy_need_an_idempotency_key(
    client: TestClient, u1: Headers, path: str, payload: dict[str, object] | None
) -> None:
    response = client.post(path, json=payload, headers=u1)

    body = assert_problem(response, 422, "invalid_request")
    assert body["field"] == "Idempotency-Key"
    assert "a new one for each action you intend" in body["detail"]
    assert "never applied twice" in body["detail"]
    assert body["errors"][0]["location"] == "header"


@pytest.mark.parametrize(
    ("path", "payload", "key", "field"),
    [
        (f"/v1/me/balls/{'b' * 129}/collect", None, None, "ball_id"),
        (f"/v1/friends/{'u' * 129}/balls/b/steal", None, None, "user_id"),
        ("/v1/friends/u2/water", {"amount_g": 0}, "k", "amount_g"),
        ("/v1/friends/u2/water", {"amount_g": 1_000_001}, "k", "amount_g"),
        ("/v1/me/covers", {"hours": 10_001}, "k", "hours"),
        ("/v1/me/covers", {"hours": 0}, "k", "hours"),
        ("/v1/me/trees", {"species_id": ""}, "k", "species_id"),
        ("/v1/me/trees", {"species_id": "s" * 129}, "k", "species_id"),
        ("/v1/me/co-plantings", {"species_id": "saxaul", "friends": []}, "k", "friends"),
        (
            "/v1/me/co-plantings",
            {"species_id": "saxaul", "friends": [f"f{n}" for n in range(11)]},
            "k",
            "friends",
        ),
        ("/v1/me/co-plantings", {"species_id": "saxaul", "friends": ["f" * 129]}, "k", "friends.0"),
        (f"/v1/trees/{'t' * 129}/pool", {"amount_g": 10}, "k", "tree_id"),
        ("/v1/trees/t1/pool", {"amount_g": 1_000_001}, "k", "amount_g"),
        ("/v1/me/trees", {"species_id": "saxaul"}, "k" * 129, "Idempotency-Key"),
        ("/v1/me/trees", {"species_id": "saxaul"}, "", "Idempotency-Key"),
    ],
)
def test_out_of_bounds_input_is_422_naming_the_field(
    client: TestClient,
    u1: Headers,
    path: str,
    payload: dict[str, object] | None,
    key: str | None,
    field: str,
) -> None:
    headers = u1 if key is None else {**u1, "Idempotency-Key": key}

    response = client.post(path, json=payload, headers=headers)

    assert assert_problem(response, 422, "invalid_request")["field"] == field


def test_ledger_pages_are_bounded(client: TestClient, u1: Headers) -> None:
    for query in ("limit=0", "limit=501", "before=0"):
        response = client.get(f"/v1/me/ledger?{query}", headers=u1)
        assert assert_problem(response, 422, "invalid_request")["field"] in ("limit", "before")


# ---------------------------------------------------------------- reads


def test_leaderboard_ranks_me_and_my_friends(ripe: World) -> None:
    for user in ("u1", "u2", "u3"):
        ripe.post(user, f"/v1/me/balls/{ripe.balls[user]}/collect")

    board = ripe.get("u1", "/v1/me/leaderboard").json()

    assert board["week_starts"] == "2026-11-02T00:00:00+08:00"  # Monday, in Shanghai
    assert [(r["user_id"], r["value"], r["me"]) for r in board["energy_this_week_g"]] == [
        ("u1", 3 * RIDE_G, True),
        ("u2", 2 * RIDE_G, False),
        ("u3", RIDE_G, False),
    ]
    assert [r["value"] for r in board["trees"]] == [0, 0, 0]


def test_my_ledger_pages_back_newest_first(ripe: World) -> None:
    ripe.post("u1", f"/v1/me/balls/{ripe.balls['u1']}/collect")
    for n in range(2):
        ripe.post("u1", "/v1/friends/u2/water", key=f"w{n}", json={"amount_g": 10})

    first = ripe.get("u1", "/v1/me/ledger", params={"limit": 2}).json()
    older = ripe.get("u1", "/v1/me/ledger", params={"before": first["next_before"]}).json()

    assert [t["id"] for t in first["transfers"]] == [
        "water:u1:2026-11-06:2",
        "water:u1:2026-11-06:1",
    ]
    assert first["next_before"] == first["transfers"][-1]["seq"]
    assert [t["kind"] for t in older["transfers"]] == ["collect"]
    assert older["next_before"] is None
    theirs = ripe.get("u2", "/v1/me/ledger").json()["transfers"]
    assert [(t["kind"], t["to"]) for t in theirs] == [
        ("water", "user:u2"),
        ("water", "user:u2"),
        ("award", f"ball:{ripe.balls['u2']}"),
    ]


def test_the_species_catalogue_keeps_price_and_sink_apart(world: World) -> None:
    catalogue = world.get("u4", "/v1/species").json()

    assert catalogue["catalogue"] == "species@1.0.0"
    saxaul = next(s for s in catalogue["species"] if s["id"] == "saxaul")
    assert (saxaul["name_zh"], saxaul["name_en"], saxaul["energy_cost_g"]) == (
        "梭梭",
        "Saxaul",
        17_900,
    )
    assert saxaul["sink"]["kg_co2"] == "17.9" and saxaul["sink"]["tag"] == "S"
    assert saxaul["region"]["name_zh"] and saxaul["partner"]["tag"] in ("S", "P", "U")
    sources = {source["id"] for source in catalogue["sources"]}
    assert saxaul["cost_provenance"]["source"] in sources
    assert any(s["sink"] is None for s in catalogue["species"])


# ---------------------------------------------------------------- operator jobs


def test_jobs_mint_and_expire_balls_and_the_audit_balances(
    world: World, rt: Runtime, clock: FakeClock, auth: Headers
) -> None:
    client = world.client
    assert client.post("/v1/jobs/mint-balls", headers=auth).json() == {"balls": 0, "grams": 0}
    clock.advance(**RIPE)
    world.post("u1", f"/v1/me/balls/{world.balls['u1']}/collect")
    clock.advance(hours=72)

    expired = client.post("/v1/jobs/expire-balls", headers=auth)

    assert expired.status_code == 200, expired.text
    assert expired.json() == {"balls": 3, "grams": 2 * RIDE_G + RIDE_G + RIDE_G}
    audit = client.get("/v1/ledger/audit", headers=auth).json()
    assert audit["ok"] is True and audit["problems"] == []
    assert audit["issued_g"] == sum(BALL_G.values())
    assert audit["by_kind"]["participant"] == 3 * RIDE_G
    assert audit["by_kind"]["expired"] == 4 * RIDE_G
    gone = world.post("u2", f"/v1/me/balls/{world.balls['u2']}/collect")
    assert "expired at" in assert_problem(gone, 409, "expired")["detail"]


def test_players_cannot_run_jobs(world: World) -> None:
    for path in ("/v1/jobs/mint-balls", "/v1/jobs/expire-balls"):
        assert_problem(world.post("u1", path), 401, "unauthorised")
    assert_problem(world.get("u1", "/v1/ledger/audit"), 401, "unauthorised")


def test_every_code_a_participant_meets_has_a_chinese_template() -> None:
    """Codes only operators (or app developers) meet, and those whose service writes its own
    ``detail_zh`` (sign-in, friends), are the only ones without a template."""
    not_templated = {
        "unauthorised",
        "already_friends",
        "forbidden",
        "conflict",
        "pack_conflict",
        "method_not_allowed",
        "request_too_large",
        "unsupported_media_type",
        "input_rejected",
        "pack_invalid",
        "invalid_request",
        "internal_error",
    }

    assert set(ZH) == set(PROBLEMS) - not_templated
