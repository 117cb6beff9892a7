"""The forest game over HTTP: keys and input bounds, leaderboards, ledger pages, the catalogue,
the operator jobs, and a Chinese template for every code a participant meets.

Refusals are problem JSON a person can read (in English and Chinese); the world is
``world.py``'s.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from saxaul.api.i18n import ZH
from saxaul.api.problems import PROBLEMS
from saxaul.services.game_requests import GRAMS_MAX
from saxaul.services.participant_auth import issue_token
from saxaul.services.runtime import Runtime
from tests.api.game.world import BALL_G, RIPE, Headers, World
from tests.api.helpers import assert_problem
from tests.conftest import FakeClock
from tests.game_world import RIDE_G, enrol

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
        ("/v1/trees/t1/pool", {"amount_g": 0}, "k", "amount_g"),
        ("/v1/trees/t1/pool", {"amount_g": GRAMS_MAX + 1}, "k", "amount_g"),
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

    assert catalogue["catalogue"] == "species@1.0.1"
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
        "invalid_period",
        "already_decided",  # the abuse review queue is the operator's
        "not_minted",
        "hold_refused",
    }
    partners_only = {  # met by partner organisations, whose API speaks English
        "delivery_pending",
        "evidence_invalid",
        "invalid_grace",
        "invalid_partner_id",
        "invalid_partner_kind",
        "invalid_webhook_url",
        "key_not_current",
        "last_owner",
        "live_key_required",
        "order_not_accepted",
        "order_not_proposed",
        "partner_not_approved",
        "partner_refused",
        "sandbox_required",
        "scenario_state",
        "scope_not_allowed",
        "subscription_disabled",
        "tree_not_in_order",
        "unknown_event_type",
        "unknown_scope",
        "wrong_tree_status",
    }

    assert set(ZH) == set(PROBLEMS) - not_templated - partners_only
