"""``GET /v1/operator/dashboard``: the console's figures, counted from the ledger, on local days.

A participant's ball is minted one day and collected the next (the fake clock moves on): the
dashboard must put each flow on its own local day, count the collector as a player that day
only, and agree with the scoring totals and the pipeline.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi.testclient import TestClient

from saxaul.services.balls import mint_balls
from saxaul.services.runtime import Runtime
from tests.certificate_world import collect_all
from tests.conftest import FakeClock
from tests.game_world import RIDE_G, enrol, rides

from .conftest import BOTH_STORES
from .helpers import assert_problem


def test_the_dashboard_is_for_operators_and_bounds_its_days(
    client: TestClient, auth: dict[str, str]
) -> None:
    assert_problem(client.get("/v1/operator/dashboard"), 401, "unauthorised")
    answer = client.get("/v1/operator/dashboard?days=91", headers=auth)
    assert_problem(answer, 422, "invalid_request")


@BOTH_STORES
def test_flows_land_on_their_local_days(
    client: TestClient, auth: dict[str, str], rt: Runtime, clock: FakeClock, tmp_path: Path
) -> None:
    enrol(rt, ["u1", "u2"], tmp_path)
    rides(rt, "u1", 3, dt.date(2026, 11, 4))
    mint_balls(rt)  # 2026-11-05 20:00 in Shanghai
    clock.advance(hours=25)
    collect_all(rt, "u1")  # 2026-11-06 21:00 in Shanghai

    board = client.get("/v1/operator/dashboard?days=3", headers=auth).json()

    ball_g = 3 * RIDE_G
    assert (board["participants"], board["consenting"]) == (2, 2)
    assert board["avoided_mg"] == ball_g * 1000
    assert board["energy_g"]["award"] == board["energy_g"]["collect"] == ball_g
    assert board["energy_g"]["steal"] == board["energy_g"]["expire"] == 0
    assert board["trees"]["total"] == 0
    assert [d["day"] for d in board["days"]] == ["2026-11-04", "2026-11-05", "2026-11-06"]
    assert [d["energy_g"]["award"] for d in board["days"]] == [0, ball_g, 0]
    assert [d["energy_g"]["collect"] for d in board["days"]] == [0, 0, ball_g]
    assert [d["players"] for d in board["days"]] == [0, 0, 1]
