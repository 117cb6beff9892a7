"""A participant sees where their promised tree stands: owed, ordered, planted (zh/en).

The tree is planted through the game, which promises it to the fairest open project of its
species (the first tree goes to the test partner's: its id sorts first among the empty saxaul
projects; the co-planting started next reserves a place in the emptier default project), then the
planting pipeline moves it.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from saxaul.domain.partners import PartnerKind
from saxaul.services.orders import create_orders
from saxaul.services.runtime import Runtime
from tests.api.conftest import BOTH_STORES
from tests.api.game.world import World, rich
from tests.api.partner.conftest import make_partner
from tests.api.partner.orders_world import PLANTING, add_project


@BOTH_STORES
def test_a_promised_tree_shows_its_planting_status(world: World, rt: Runtime) -> None:
    ngo = make_partner(rt, world.client, world.auth, "a-see", PartnerKind.NGO)
    add_project(rt, "a-see")
    rich(world, rt, "u1", 250)
    planted = world.post("u1", "/v1/me/trees", key="plant-1", json={"species_id": "saxaul"})
    tree_id = planted.json()["tree"]["id"]
    world.post(
        "u1", "/v1/me/co-plantings", key="co-1", json={"species_id": "saxaul", "friends": ["u2"]}
    )

    def planting() -> dict[str, object]:
        shown: dict[str, object] = world.get("u1", f"/v1/trees/{tree_id}").json()["planting"]
        return shown

    assert planting() == {
        "status": "owed",
        "label_en": "owed: waiting for a planting order",
        "label_zh": "待种植：等待下单",
        "replacements": 0,
    }
    assert create_orders(rt).trees == 1, "only the promised tree is ordered, not the funding one"
    (order,) = ngo.client.get("/v1/partner/orders", headers=ngo.headers).json()["items"]
    assert order["units"] == 1
    ngo.client.post(f"/v1/partner/orders/{order['id']}/accept", headers=ngo.headers)
    assert planting()["status"] == "ordered"
    today = rt.clock.now().astimezone(ZoneInfo(rt.rules.timezone)).date()
    report = PLANTING | {"planted_on": today.isoformat(), "trees": [{"tree_id": tree_id}]}
    posted = ngo.client.post(
        f"/v1/partner/orders/{order['id']}/evidence", headers=ngo.headers, json=report
    )
    assert posted.status_code == 201, posted.text
    mine = world.get("u1", "/v1/me/trees").json()["trees"]
    shown = next(t for t in mine if t["id"] == tree_id)
    assert (shown["planting"]["status"], shown["planting"]["label_zh"]) == ("planted", "已种下")
    assert shown["certificate"]["planting_zh"] == "已种下"
