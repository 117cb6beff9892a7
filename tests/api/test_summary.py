"""``GET /v1/summary``: refusals first, then totals that follow the imports."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from .helpers import assert_problem, ride


def test_anonymous_is_refused(client: TestClient) -> None:
    assert_problem(client.get("/v1/summary"), 401, "unauthorised")


def test_a_bad_key_is_refused(client: TestClient) -> None:
    response = client.get("/v1/summary", headers={"Authorization": "Bearer sxk_x"})
    assert_problem(response, 401, "unauthorised")


def test_an_empty_programme_sums_to_zero(client: TestClient, auth: dict[str, str]) -> None:
    summary = client.get("/v1/summary", headers=auth).json()

    assert summary["behaviours"] == []
    assert set(summary["programme"].values()) == {0}


def test_totals_follow_the_imports(
    client: TestClient, auth: dict[str, str], enrol: Callable[..., None]
) -> None:
    enrol("p0000001", "p0000002")
    rows = [ride("a"), ride("b", user_id="p0000002"), ride("c", user_id="stranger")]
    imported = client.post("/v1/events", json=rows, headers=auth).json()

    summary = client.get("/v1/summary", headers=auth).json()

    programme = summary["programme"]
    assert (programme["participants"], programme["consenting"]) == (2, 2)
    assert (programme["events"], programme["scored"], programme["no_consent"]) == (3, 2, 1)
    assert programme["energy_g"] == imported["energy_g"] > 0
    [metro] = summary["behaviours"]
    assert (metro["behaviour"], metro["events"], metro["scored"], metro["users"]) == (
        "metro_ride",
        3,
        2,
        2,
    )
    assert metro["pack_ref"] == "ant-forest-2017@2.0.0"
