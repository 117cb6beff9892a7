"""The forest game over HTTP: my forest and collecting, friends' forests and stealing, covers.

Refusals are problem JSON a person can read (in English and Chinese); the world is
``world.py``'s.
"""

from __future__ import annotations

from tests.api.game.world import RIPE, World
from tests.api.helpers import assert_problem
from tests.conftest import FakeClock
from tests.game_world import RIDE_G

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


def test_metrics_count_the_move_requests_and_the_transactions_that_played_them(
    ripe: World,
) -> None:
    before = ripe.client.get("/metrics", headers=ripe.auth).text
    assert "saxaul_move_requests_total 0.0" in before

    assert ripe.post("u1", f"/v1/me/balls/{ripe.balls['u1']}/collect").status_code == 200
    assert ripe.post("u1", "/v1/me/balls/no-such-ball/collect").status_code == 404

    text = ripe.client.get("/metrics", headers=ripe.auth).text
    assert "saxaul_move_requests_total 2.0" in text
    assert "saxaul_move_batches_total 2.0" in text  # one at a time: nobody to share with
    assert "saxaul_move_batch_largest 1.0" in text
