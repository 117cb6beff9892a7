"""``GET /v1/quarantine``: refusals first, then filters and keyset pages."""

from __future__ import annotations

from fastapi.testclient import TestClient

from .helpers import assert_problem, ride


def _quarantine_three(client: TestClient, auth: dict[str, str]) -> int:
    rows = [
        ride("q1", occurred_at="yesterday"),
        ride("q2", behaviour="teleport"),
        ride("q3", occurred_at="2026-11-02T08:00:00"),
        ride("ok"),
    ]
    result = client.post("/v1/events", json=rows, headers=auth).json()
    assert result["rejected"] == 3
    import_id: int = result["import_id"]
    return import_id


def test_anonymous_is_refused(client: TestClient) -> None:
    assert_problem(client.get("/v1/quarantine"), 401, "unauthorised")


def test_a_bad_key_is_refused(client: TestClient) -> None:
    response = client.get("/v1/quarantine", headers={"Authorization": "Bearer sxk_nope"})
    assert_problem(response, 401, "unauthorised")


def test_malformed_parameters_are_422_naming_each_field(
    client: TestClient, auth: dict[str, str]
) -> None:
    response = client.get("/v1/quarantine?limit=1001&after_id=-1&code=Not%20A%20Code", headers=auth)

    body = assert_problem(response, 422, "invalid_request")
    assert {e["field"] for e in body["errors"]} == {"limit", "after_id", "code"}
    assert {e["location"] for e in body["errors"]} == {"query"}
    assert body["field"] in {"limit", "after_id", "code"}


def test_an_unknown_import_has_an_empty_page(client: TestClient, auth: dict[str, str]) -> None:
    page = client.get("/v1/quarantine?import_id=999", headers=auth).json()
    assert page == {"items": [], "total": 0, "next_after_id": None}


def test_pages_walk_every_row_once(client: TestClient, auth: dict[str, str]) -> None:
    import_id = _quarantine_three(client, auth)

    first = client.get(f"/v1/quarantine?import_id={import_id}&limit=2", headers=auth).json()
    after = first["next_after_id"]
    second = client.get(
        f"/v1/quarantine?import_id={import_id}&limit=2&after_id={after}", headers=auth
    ).json()

    assert first["total"] == second["total"] == 3
    assert [r["line"] for r in first["items"] + second["items"]] == [0, 1, 2]
    assert second["next_after_id"] is None
    row = first["items"][0]
    assert (row["import_id"], row["location"], row["field"]) == (import_id, "index", "occurred_at")
    assert row["reason"] and row["raw"] and row["import_name"].startswith("http:")


def test_rows_filter_by_code(client: TestClient, auth: dict[str, str]) -> None:
    _quarantine_three(client, auth)

    page = client.get("/v1/quarantine?code=unknown_behaviour", headers=auth).json()

    assert page["total"] == 1
    assert [r["code"] for r in page["items"]] == ["unknown_behaviour"]
