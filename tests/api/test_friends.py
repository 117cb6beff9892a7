"""``/v1/me/friends`` over HTTP: always as the token's participant, refusals as problem JSON."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from saxaul.services.runtime import Runtime

from .helpers import assert_problem
from .participant_tokens import participant_headers

NOW = "2026-11-05T12:00:00Z"


@pytest.fixture
def tokens(rt: Runtime, enrol: Callable[..., None]) -> dict[str, dict[str, str]]:
    """Participant-token headers of u1, u2 and u3, all enrolled."""
    enrol("u1", "u2", "u3")
    return {user: participant_headers(rt, user) for user in ("u1", "u2", "u3")}


def test_invite_accept_list_and_remove(
    client: TestClient, tokens: dict[str, dict[str, str]]
) -> None:
    invited = client.post(
        "/v1/me/friends/invitations", json={"user_id": "u2"}, headers=tokens["u1"]
    )
    assert invited.status_code == 200, invited.text
    assert invited.json() == {"user_id": "u2", "status": "pending", "since": NOW}
    pending = {
        "friends": [],
        "incoming": [{"user_id": "u1", "since": NOW}],
        "outgoing": [],
        "next_after_id": None,
    }
    assert client.get("/v1/me/friends", headers=tokens["u2"]).json() == pending

    accepted = client.post("/v1/me/friends/invitations/u1/accept", headers=tokens["u2"])

    assert accepted.status_code == 200, accepted.text
    assert accepted.json() == {"user_id": "u1", "since": NOW}
    listing = client.get("/v1/me/friends", headers=tokens["u1"]).json()
    assert listing == {
        "friends": [{"user_id": "u2", "since": NOW}],
        "incoming": [],
        "outgoing": [],
        "next_after_id": None,
    }
    removed = client.delete("/v1/me/friends/u1", headers=tokens["u2"])
    assert removed.status_code == 204 and removed.content == b""
    assert client.get("/v1/me/friends", headers=tokens["u1"]).json()["friends"] == []


def test_inviting_someone_who_invited_you_makes_you_friends(
    client: TestClient, tokens: dict[str, dict[str, str]]
) -> None:
    client.post("/v1/me/friends/invitations", json={"user_id": "u3"}, headers=tokens["u1"])

    back = client.post("/v1/me/friends/invitations", json={"user_id": "u1"}, headers=tokens["u3"])

    assert back.json() == {"user_id": "u1", "status": "accepted", "since": NOW}
    again = client.post("/v1/me/friends/invitations", json={"user_id": "u1"}, headers=tokens["u3"])
    body = assert_problem(again, 409, "already_friends")
    assert body["detail_zh"] and body["user_id"] == "u1"


def test_inviting_yourself_is_422(client: TestClient, tokens: dict[str, dict[str, str]]) -> None:
    response = client.post(
        "/v1/me/friends/invitations", json={"user_id": "u1"}, headers=tokens["u1"]
    )

    body = assert_problem(response, 422, "own_account")
    assert body["field"] == "user_id" and body["detail_zh"]


def test_inviting_an_unknown_participant_is_404(
    client: TestClient, tokens: dict[str, dict[str, str]]
) -> None:
    response = client.post(
        "/v1/me/friends/invitations", json={"user_id": "nobody"}, headers=tokens["u1"]
    )

    body = assert_problem(response, 404, "not_found")
    assert body["field"] == "user_id" and body["detail_zh"]


def test_nobody_accepts_an_invitation_for_someone_else(
    client: TestClient, tokens: dict[str, dict[str, str]]
) -> None:
    client.post("/v1/me/friends/invitations", json={"user_id": "u2"}, headers=tokens["u1"])

    by_inviter = client.post("/v1/me/friends/invitations/u1/accept", headers=tokens["u1"])
    by_bystander = client.post("/v1/me/friends/invitations/u1/accept", headers=tokens["u3"])

    assert assert_problem(by_inviter, 404, "not_found")["field"] == "inviter"
    assert_problem(by_bystander, 404, "not_found")
    assert client.get("/v1/me/friends", headers=tokens["u2"]).json()["incoming"] != []


def test_removing_a_stranger_is_404(client: TestClient, tokens: dict[str, dict[str, str]]) -> None:
    body = assert_problem(
        client.delete("/v1/me/friends/u2", headers=tokens["u1"]), 404, "not_found"
    )
    assert body["detail_zh"]


@pytest.mark.parametrize(
    ("method", "path", "payload", "field"),
    [
        ("POST", "/v1/me/friends/invitations", {"user_id": ""}, "user_id"),
        ("POST", "/v1/me/friends/invitations", {"user_id": "u" * 129}, "user_id"),
        ("POST", "/v1/me/friends/invitations", {}, "user_id"),
        ("POST", f"/v1/me/friends/invitations/{'u' * 129}/accept", None, "inviter"),
        ("DELETE", f"/v1/me/friends/{'u' * 129}", None, "user_id"),
    ],
)
def test_out_of_bounds_input_is_422_naming_the_field(
    client: TestClient,
    tokens: dict[str, dict[str, str]],
    method: str,
    path: str,
    payload: dict[str, str] | None,
    field: str,
) -> None:
    response = client.request(method, path, json=payload, headers=tokens["u1"])

    assert assert_problem(response, 422, "invalid_request")["field"] == field
