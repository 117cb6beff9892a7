"""The game's offered values in the OpenAPI document: watering steps and cover hours.

They are versioned data (the energy rules file), so the request schemas declare them from the
rules the app plays by, and the game refuses any other value with its own 422.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from fastapi.testclient import TestClient

from saxaul.api.app import create_app
from saxaul.catalogue import shipped_energy_rules
from saxaul.config import Settings
from saxaul.services.runtime import Runtime
from tests.api.game.world import World
from tests.api.helpers import assert_problem


def offered(document: dict[str, Any]) -> tuple[list[int], list[int]]:
    """(watering steps, cover hours) as the document declares them."""
    schemas = document["components"]["schemas"]
    return (
        schemas["WaterIn"]["properties"]["amount_g"]["enum"],
        schemas["CoverIn"]["properties"]["hours"]["enum"],
    )


def test_the_document_offers_the_shipped_rules_steps_and_covers() -> None:
    rules = shipped_energy_rules()

    steps, hours = offered(create_app(Settings()).openapi())

    assert steps == list(rules.watering_steps_g) == [10, 18, 66]
    assert hours == list(rules.protection_hours) == [24, 72, 168]


def test_the_document_offers_the_rules_of_the_runtime_it_serves(
    settings: Settings, rt: Runtime
) -> None:
    rules = dataclasses.replace(
        rt.rules,
        watering_steps_g=(5, 50),
        protection_covers=(dt.timedelta(hours=12), dt.timedelta(days=2)),
    )
    app = create_app(settings, runtime=dataclasses.replace(rt, rules=rules))

    with TestClient(app) as client:
        document = client.get("/openapi.json").json()

    assert offered(document) == ([5, 50], [12, 48])


def test_a_value_the_rules_do_not_offer_is_the_games_422(ripe: World) -> None:
    ripe.post("u1", f"/v1/me/balls/{ripe.balls['u1']}/collect")

    for amount_g in (0, 11, 1_000_001):
        response = ripe.post("u1", "/v1/friends/u2/water", key="w", json={"amount_g": amount_g})
        body = assert_problem(response, 422, "not_a_step")
        assert body["detail"].endswith("choose one of 10 g, 18 g, 66 g") and body["detail_zh"]
    for hours in (0, 5, 10_001):
        response = ripe.post("u1", "/v1/me/covers", key="c", json={"hours": hours})
        body = assert_problem(response, 422, "not_a_cover")
        assert body["detail"].endswith("choose one of 24 h, 72 h, 168 h") and body["detail_zh"]
