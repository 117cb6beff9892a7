"""``POST /v1/participants/{user_id}/opt-out``: refusals first, then consent ends at once."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from .helpers import assert_problem, ride


def test_anonymous_is_refused(client: TestClient) -> None:
    assert_problem(client.post("/v1/participants/p0000001/opt-out"), 401, "unauthorised")


def test_a_bad_key_is_refused(client: TestClient) -> None:
    response = client.post(
        "/v1/participants/p0000001/opt-out", headers={"Authorization": "Bearer sxk_x"}
    )
    assert_problem(response, 401, "unauthorised")


def test_an_overlong_id_is_422(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post(f"/v1/participants/{'u' * 129}/opt-out", headers=auth)

    body = assert_problem(response, 422, "invalid_request")
    assert body["field"] == "user_id"


def test_an_unknown_participant_is_404(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post("/v1/participants/nobody/opt-out", headers=auth)

    body = assert_problem(response, 404, "not_found")
    assert body["field"] == "user_id"


def test_opting_out_stops_scoring_from_now(
    client: TestClient, auth: dict[str, str], enrol: Callable[..., None]
) -> None:
    enrol("p0000001")

    response = client.post("/v1/participants/p0000001/opt-out", headers=auth)

    assert response.status_code == 204 and response.content == b""
    # The fake clock stands at 2026-11-05 12:00 UTC: a ride before then counts, one after not.
    rows = [ride("before"), ride("after", occurred_at="2026-11-06T08:00:00+08:00")]
    result = client.post("/v1/events", json=rows, headers=auth).json()
    assert (result["scored"], result["no_consent"]) == (1, 1)
    again = client.post("/v1/participants/p0000001/opt-out", headers=auth)
    assert_problem(again, 404, "not_found")
