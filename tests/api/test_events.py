"""``POST /v1/events``: refusals first, then exactly-once import, row-level rejections, NDJSON."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from saxaul.api.app import create_app
from saxaul.bootstrap import bootstrap
from saxaul.config import Settings
from saxaul.domain.clock import Clock
from saxaul.ingest.columns import MAX_JSON_DEPTH
from saxaul.services.api_keys import create_api_key

from .helpers import MAX_BYTES, assert_problem, ride


def _ndjson(rows: list[dict[str, object]]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def test_anonymous_is_refused(client: TestClient) -> None:
    assert_problem(client.post("/v1/events", json=[ride("a")]), 401, "unauthorised")


def test_a_bad_key_is_refused_before_the_body_is_looked_at(client: TestClient) -> None:
    response = client.post(
        "/v1/events",
        content=b"x" * (MAX_BYTES + 1),
        headers={"Authorization": "Bearer sxk_wrong", "Content-Type": "text/csv"},
    )
    assert_problem(response, 401, "unauthorised")


def test_an_unreadable_body_is_422(client: TestClient, auth: dict[str, str]) -> None:
    for body in (b"{not json", b'{"event_id": "a"}', b"[1, 2"):
        response = client.post(
            "/v1/events", content=body, headers=auth | {"Content-Type": "application/json"}
        )
        assert_problem(response, 422, "input_rejected")


def test_a_wrong_content_type_is_415(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post(
        "/v1/events", content=b"event_id\na\n", headers=auth | {"Content-Type": "text/csv"}
    )
    body = assert_problem(response, 415, "unsupported_media_type")
    assert body["accepted"][:2] == ["application/json", "application/x-ndjson"]


def test_a_body_over_the_limit_is_413(client: TestClient, auth: dict[str, str]) -> None:
    big = json.dumps([ride(f"e{i}") for i in range(100)]).encode()
    assert len(big) > MAX_BYTES

    response = client.post(
        "/v1/events", content=big, headers=auth | {"Content-Type": "application/json"}
    )

    body = assert_problem(response, 413, "request_too_large")
    assert body["max_bytes"] == MAX_BYTES


def test_a_streamed_body_without_length_is_counted_too(
    client: TestClient, auth: dict[str, str]
) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"["
        for i in range(100):
            yield json.dumps(ride(f"e{i}")).encode() + b","
        yield b"{}]"

    response = client.post(
        "/v1/events", content=chunks(), headers=auth | {"Content-Type": "application/json"}
    )

    assert "content-length" not in response.request.headers
    assert_problem(response, 413, "request_too_large")


def test_posting_the_same_body_twice_is_harmless(
    client: TestClient, auth: dict[str, str], enrol: Callable[..., None]
) -> None:
    enrol("p0000001")
    rows = [ride("m1"), ride("m2", occurred_at="2026-11-02T18:00:00+08:00")]

    first = client.post("/v1/events", json=rows, headers=auth)
    second = client.post("/v1/events", json=rows, headers=auth)

    assert first.status_code == second.status_code == 200
    one, two = first.json(), second.json()
    assert (one["new_events"], one["duplicates"], one["scored"]) == (2, 0, 2)
    assert one["energy_g"] > 0 and one["awards"] == 1
    assert (two["new_events"], two["duplicates"], two["energy_g"]) == (0, 2, 0)


def test_one_bad_row_does_not_stop_the_good_ones(
    client: TestClient, auth: dict[str, str], enrol: Callable[..., None]
) -> None:
    enrol("p0000001")
    rows = [ride("g1"), ride("bad", occurred_at="2026-11-02 08:15:00"), ride("g2")]

    response = client.post("/v1/events", json=rows, headers=auth)

    assert response.status_code == 200
    result = response.json()
    assert (result["new_events"], result["rejected"]) == (2, 1)
    [rejection] = result["rejections"]
    assert rejection["index"] == 1 and rejection["line"] is None
    assert rejection["code"] == "invalid_timestamp"
    assert rejection["field"] == "occurred_at"
    assert rejection["reason"]
    page = client.get(f"/v1/quarantine?import_id={result['import_id']}", headers=auth).json()
    assert [(r["line"], r["code"]) for r in page["items"]] == [(1, "invalid_timestamp")]


def test_ndjson_is_read_line_by_line(
    client: TestClient, auth: dict[str, str], enrol: Callable[..., None]
) -> None:
    enrol("p0000001")
    body = _ndjson([ride("n1"), ride("n2", behaviour="teleport")])

    response = client.post(
        "/v1/events",
        content=body,
        headers=auth | {"Content-Type": "application/x-ndjson; charset=utf-8"},
    )

    assert response.status_code == 200
    result = response.json()
    assert (result["new_events"], result["scored"], result["rejected"]) == (1, 1, 1)
    [rejection] = result["rejections"]
    assert (rejection["line"], rejection["code"]) == (2, "unknown_behaviour")


def test_events_of_people_without_consent_are_kept_not_scored(
    client: TestClient, auth: dict[str, str]
) -> None:
    response = client.post("/v1/events", json=[ride("s1", user_id="stranger")], headers=auth)

    result = response.json()
    assert (result["new_events"], result["no_consent"], result["energy_g"]) == (1, 1, 0)


def test_metrics_count_what_the_endpoint_did(
    client: TestClient, auth: dict[str, str], enrol: Callable[..., None]
) -> None:
    enrol("p0000001")
    rows = [ride("c1"), ride("c2"), ride("bad", quantity=-1)]
    client.post("/v1/events", json=rows, headers=auth)
    client.post("/v1/events", json=rows[:1], headers=auth)

    text = client.get("/metrics", headers=auth).text

    assert "saxaul_events_accepted_total 2.0" in text
    assert "saxaul_events_duplicate_total 1.0" in text
    assert "saxaul_events_rejected_total 1.0" in text


@pytest.fixture
def any_store_client(
    database_url: str, clock: Clock
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """A client on SQLite and on PostgreSQL, with room for bodies of a few MiB."""
    settings = Settings(database_url=database_url)
    runtime = bootstrap(settings, clock=clock)
    try:
        with TestClient(create_app(settings, runtime=runtime)) as test_client:
            yield test_client, {"Authorization": f"Bearer {create_api_key(runtime, 'op')}"}
    finally:
        runtime.db.dispose()


def test_a_body_nested_past_the_limit_is_refused_whole(
    any_store_client: tuple[TestClient, dict[str, str]],
) -> None:
    client, auth = any_store_client
    body = b"[" * 100_000 + b"]" * 100_000

    response = client.post(
        "/v1/events", content=body, headers=auth | {"Content-Type": "application/json"}
    )

    problem = assert_problem(response, 422, "input_rejected")
    assert f"more than {MAX_JSON_DEPTH} levels deep" in problem["detail"]


@pytest.mark.parametrize("media", ["application/json", "application/x-ndjson"])
def test_a_row_nested_past_the_limit_is_quarantined(
    any_store_client: tuple[TestClient, dict[str, str]], media: str
) -> None:
    client, auth = any_store_client
    deep = json.dumps(ride("deep"))[:-1] + ', "attributes": {"a": ' + "[" * 100_000
    rows = [json.dumps(ride("g1")), deep + "]" * 100_000 + "}}", json.dumps(ride("g2"))]
    body = "[" + ",".join(rows) + "]" if media == "application/json" else "\n".join(rows)

    response = client.post("/v1/events", content=body, headers=auth | {"Content-Type": media})

    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["new_events"], result["rejected"]) == (2, 1)
    [rejection] = result["rejections"]
    assert rejection["field"] == "attributes"
    assert f"the limit is {MAX_JSON_DEPTH}" in rejection["reason"]


def test_a_nul_in_an_event_is_quarantined(
    any_store_client: tuple[TestClient, dict[str, str]],
) -> None:
    client, auth = any_store_client

    response = client.post("/v1/events", json=[ride("bad\u0000nul"), ride("fine")], headers=auth)

    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["new_events"], result["rejected"]) == (1, 1)
    [rejection] = result["rejections"]
    assert rejection["field"] == "event_id"
    assert rejection["reason"].startswith("event_id contains a NUL character (U+0000)")
    page = client.get(f"/v1/quarantine?import_id={result['import_id']}", headers=auth).json()
    assert page["items"][0]["raw"].count("\\u0000") == 1


def test_a_passed_over_behaviour_is_refused_with_what_to_send_instead(
    client: TestClient, auth: dict[str, str]
) -> None:
    body = [ride("k1", behaviour="metro_km"), ride("k2", behaviour="teleport")]

    result = client.post("/v1/events", json=body, headers=auth).json()

    passed_over, unknown = (r["reason"] for r in result["rejections"])
    assert passed_over == (
        "behaviour 'metro_km' (shenzhen-public-transit-2021) measures metro_trip, which this "
        "programme scores as 'metro_ride' under ant-forest-2017; send metro_ride, or choose the "
        "pack with SAXAUL_ACTIVITY_PACKS=metro_trip=shenzhen-public-transit-2021"
    )
    assert "not scored by any active methodology pack" not in unknown
    assert "'teleport'" in unknown and "metro_ride" in unknown and "walking" in unknown
