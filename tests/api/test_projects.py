"""The projects API: validation, one price list, capacity never below what is promised, modes,
the operator's view, and the default catalogue seeded at start-up."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from saxaul.domain.partners import PartnerKind
from saxaul.services.runtime import Runtime

from .conftest import BOTH_STORES
from .partner.conftest import make_partner
from .partner.isolation import Caller
from .partner.isolation_projects import PATH, project_body


@pytest.fixture
def ngo(rt: Runtime, client: TestClient, auth: dict[str, str]) -> Caller:
    return make_partner(rt, client, auth, "ngo-p", PartnerKind.NGO)


def _create(ngo: Caller, **overrides: Any) -> dict[str, Any]:
    response = ngo.client.post(PATH, json=project_body(**overrides), headers=ngo.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_a_tree_project_is_priced_by_its_species_and_shown_back(ngo: Caller) -> None:
    created = _create(ngo)
    assert created["energy_price_g"] == 17_900 and created["unit"] == "tree"
    assert created["allocated"] == 0 and created["mode"] == "live" and created["source"] is None
    shown = ngo.client.get(f"{PATH}/{created['id']}", headers=ngo.headers).json()
    assert shown == created
    assert ngo.client.get(PATH, headers=ngo.headers).json()["projects"] == [created]


@pytest.mark.parametrize(
    ("overrides", "status", "code", "field"),
    [
        ({"energy_price_g": 10_000}, 422, "price_mismatch", "energy_price_g"),
        ({"species_id": "oak"}, 422, "unknown_species", "species_id"),
        ({"species_id": None}, 422, "project_invalid", "species_id"),
        ({"outcome": "land"}, 422, "project_invalid", "species_id"),
        ({"ends_on": "2026-01-01"}, 422, "project_invalid", "ends_on"),
        ({"unit_cost_minor": 300}, 422, "invalid_request", None),
    ],
)
def test_projects_that_do_not_fit_are_refused(
    ngo: Caller, overrides: dict[str, Any], status: int, code: str, field: str | None
) -> None:
    response = ngo.client.post(PATH, json=project_body(**overrides), headers=ngo.headers)
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    if field is not None:
        assert response.json()["field"] == field


@pytest.mark.parametrize(
    "geometry",
    [
        {"type": "Point", "coordinates": [181, 38]},
        {"type": "Point", "coordinates": [105, -91]},
        {"type": "Polygon", "coordinates": [[[105, 38], [106, 38], [106, 39], [105, 39.5]]]},
        {"type": "Polygon", "coordinates": [[[105, 38]] * 1001]},
        {"type": "LineString", "coordinates": [[105, 38], [106, 38]]},
    ],
)
def test_a_site_outside_the_globe_or_unclosed_or_too_long_is_refused(
    ngo: Caller, geometry: dict[str, Any]
) -> None:
    site = project_body()["site"] | {"geometry": geometry}
    response = ngo.client.post(PATH, json=project_body(site=site), headers=ngo.headers)
    assert response.status_code == 422, response.text


def test_land_and_other_outcomes_state_their_price(ngo: Caller) -> None:
    land = _create(ngo, outcome="land", species_id=None, energy_price_g=50)
    assert land["unit"] == "m2" and land["energy_price_g"] == 50
    other = _create(ngo, outcome="other", species_id=None, unit="nest box", energy_price_g=900)
    assert other["unit"] == "nest box"


@BOTH_STORES
def test_capacity_never_goes_below_what_is_promised(
    ngo: Caller, rt: Runtime, client: TestClient, auth: dict[str, str]
) -> None:
    created = _create(ngo, capacity=3)
    with rt.db.engine.begin() as conn:  # two trees already promised to it
        conn.exec_driver_sql(f"UPDATE projects SET allocated = 2 WHERE id = '{created['id']}'")
    url = f"{PATH}/{created['id']}"
    refused = client.patch(url, json={"capacity": 1}, headers=ngo.headers)
    assert refused.status_code == 409 and refused.json()["code"] == "capacity_below_allocated"
    assert refused.json()["allocated"] == 2
    changed = client.patch(url, json={"capacity": 2, "status": "closed"}, headers=ngo.headers)
    assert changed.status_code == 200 and changed.json()["capacity"] == 2
    back = client.patch(url, json={"status": "draft"}, headers=ngo.headers)
    assert back.status_code == 422 and back.json()["field"] == "status"
    assert client.patch(url, json={"title_en": None}, headers=ngo.headers).status_code == 422


def test_a_business_cannot_run_projects_and_sandbox_is_apart(
    ngo: Caller, rt: Runtime, client: TestClient, auth: dict[str, str]
) -> None:
    business = make_partner(rt, client, auth, "biz-p", PartnerKind.BUSINESS)
    refused = client.post(PATH, json=project_body(), headers=business.headers)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    sandbox = client.post(PATH, json=project_body(), headers=ngo.sandbox_headers).json()
    assert sandbox["mode"] == "sandbox"
    assert client.get(f"{PATH}/{sandbox['id']}", headers=ngo.headers).status_code == 404
    live_ids = [
        p["id"] for p in client.get("/v1/operator/projects", headers=auth).json()["projects"]
    ]
    assert sandbox["id"] not in live_ids


def test_the_default_catalogue_is_seeded_once_and_shown_to_the_operator(
    rt: Runtime, client: TestClient, auth: dict[str, str]
) -> None:
    from saxaul.services.projects import seed_catalogue

    assert seed_catalogue(rt, "projects@1.0.0") == 0, "bootstrap seeded them already"
    page = client.get("/v1/operator/projects", headers=auth, params={"limit": 200}).json()
    defaults = {p["id"]: p for p in page["projects"] if p["source"] == "projects@1.0.0"}
    assert len(defaults) == 7
    saxaul = defaults["see-foundation-saxaul"]
    assert (saxaul["partner_id"], saxaul["energy_price_g"], saxaul["capacity"]) == (
        "see-foundation",
        17_900,
        100_000,
    )
    assert saxaul["site"]["region_zh"] == "内蒙古阿拉善盟" and saxaul["status"] == "open"
