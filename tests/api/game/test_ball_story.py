"""Why a ball holds what it holds (``GET /v1/me/balls/{id}``), and the friends list with what
is stealable from each (``GET /v1/me/friends/forests``); the world is ``world.py``'s."""

from __future__ import annotations

from tests.api.game.world import BALL_G, World
from tests.api.helpers import assert_problem
from tests.game_world import RIDE_G


def test_a_ball_tells_its_behaviour_day_pack_formula_and_sourced_factors(world: World) -> None:
    response = world.get("u1", f"/v1/me/balls/{world.balls['u1']}")

    assert response.status_code == 200, response.text
    story = response.json()
    assert (story["behaviour"], story["name_zh"], story["name_en"]) == (
        "metro_ride",
        "地铁出行",
        "Metro ride",
    )
    assert (story["day"], story["pack_id"], story["formula"]) == (
        "2026-11-04",
        "ant-forest-2017",
        "fixed_per_activity",
    )
    assert story["events_counted"] == 3 and story["energy_g"] == BALL_G["u1"]
    assert story["avoided_mg"] == 3 * RIDE_G * 1000
    (factor,) = story["factors"]
    assert (factor["id"], factor["value"], factor["unit"]) == ("metro_ride_g", "52", "g CO2/trip")
    assert factor["source_id"] == "readke_3192776" and factor["source_url"]
    assert factor["status"] == "S" and factor["source_title"]


def test_nobody_reads_the_story_of_another_players_ball(world: World) -> None:
    others = assert_problem(world.get("u2", f"/v1/me/balls/{world.balls['u1']}"), 404, "not_found")
    unknown = assert_problem(world.get("u2", "/v1/me/balls/999999"), 404, "not_found")

    assert others["detail_zh"] == f"没有编号为 {world.balls['u1']} 的能量球"
    assert others["detail"].replace(world.balls["u1"], "X") == unknown["detail"].replace(
        "999999", "X"
    ), "another's ball answers as one that does not exist"
    assert_problem(world.get("u1", "/v1/me/balls/not-a-number"), 404, "not_found")
    assert_problem(world.get("u1", f"/v1/me/balls/{'9' * 30}"), 404, "not_found")


def test_the_friends_list_says_what_is_stealable_from_each_now(ripe: World) -> None:
    response = ripe.get("u1", "/v1/me/friends/forests")

    assert response.status_code == 200, response.text
    friends = {f["user_id"]: f for f in response.json()["friends"]}
    assert sorted(friends) == ["u2", "u3"], "friends only, never the stranger u4"
    assert friends["u2"]["stealable_now"] == 1
    assert friends["u2"]["stealable_g"] == BALL_G["u2"] * 30 // 100
    assert ripe.post("u1", f"/v1/friends/u2/balls/{ripe.balls['u2']}/steal").status_code == 200
    after = {f["user_id"]: f for f in ripe.get("u1", "/v1/me/friends/forests").json()["friends"]}
    assert after["u2"]["stealable_now"] == 0 and after["u2"]["stealable_g"] == 0
    assert after["u3"]["stealable_now"] == 1


def test_forests_name_their_balls_behaviours_and_the_rules_offers(world: World) -> None:
    forest = world.get("u1", "/v1/me/forest").json()

    assert forest["watering_steps_g"] == [10, 18, 66]
    assert forest["cover_hours"] == [24, 72, 168]
    assert forest["behaviours"] == [
        {"id": "metro_ride", "name_zh": "地铁出行", "name_en": "Metro ride"}
    ]
    friend = world.get("u1", "/v1/friends/u2/forest").json()
    assert friend["behaviours"] == forest["behaviours"]
