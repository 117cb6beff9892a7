"""Participant sign-in over HTTP: log in, use the token, see it expire or end; tokens for apps."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from saxaul.services.participant_auth import set_password
from saxaul.services.participants import opt_out
from saxaul.services.runtime import Runtime
from saxaul.store.tables import participant_credentials
from tests.conftest import FakeClock

from .helpers import assert_problem

PASSWORD = "correct horse battery"


@pytest.fixture
def member(rt: Runtime, enrol: Callable[..., None]) -> str:
    """An enrolled participant with the password ``PASSWORD``."""
    enrol("p0000001")
    set_password(rt, "p0000001", PASSWORD)
    return "p0000001"


def _login(client: TestClient, user_id: str, password: str) -> dict[str, str]:
    response = client.post("/v1/auth/login", json={"user_id": user_id, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_login_gives_a_token_that_names_its_participant(client: TestClient, member: str) -> None:
    response = client.post("/v1/auth/login", json={"user_id": member, "password": PASSWORD})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token"].startswith("sxs_") and body["token_type"] == "bearer"
    assert body["user_id"] == member
    # The fake clock stands at 2026-11-05 12:00 UTC; tokens last 12 hours.
    assert dt.datetime.fromisoformat(body["expires_at"]) == dt.datetime(
        2026, 11, 6, 0, 0, tzinfo=dt.UTC
    )
    me = client.get("/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.json() == {"user_id": member}


def test_a_wrong_password_and_an_unknown_user_are_refused_alike(
    client: TestClient, member: str, enrol: Callable[..., None]
) -> None:
    enrol("p0000002")  # enrolled, but no password was ever set

    refusals = [
        client.post("/v1/auth/login", json={"user_id": user_id, "password": password})
        for user_id, password in [
            (member, "not the password"),
            ("nobody", PASSWORD),
            ("p0000002", PASSWORD),
        ]
    ]

    bodies = [assert_problem(r, 401, "unauthorised") for r in refusals]
    assert bodies[0] == bodies[1] == bodies[2]
    assert bodies[0]["detail"] == "wrong user id or password" and bodies[0]["detail_zh"]


def test_an_expired_token_is_refused(client: TestClient, member: str, clock: FakeClock) -> None:
    headers = _login(client, member, PASSWORD)
    clock.advance(hours=11, minutes=59)
    assert client.get("/v1/me", headers=headers).status_code == 200

    clock.advance(minutes=1)

    body = assert_problem(client.get("/v1/me", headers=headers), 401, "unauthorised")
    assert "log in again" in body["detail"]


def test_logout_ends_that_token_only(client: TestClient, member: str) -> None:
    first = _login(client, member, PASSWORD)
    second = _login(client, member, PASSWORD)

    response = client.post("/v1/auth/logout", headers=first)

    assert response.status_code == 204 and response.content == b""
    assert_problem(client.get("/v1/me", headers=first), 401, "unauthorised")
    assert_problem(client.post("/v1/auth/logout", headers=first), 401, "unauthorised")
    assert client.get("/v1/me", headers=second).json() == {"user_id": member}


def test_an_opted_out_participant_can_still_log_in(
    client: TestClient, rt: Runtime, member: str
) -> None:
    opt_out(rt, member)

    assert client.get("/v1/me", headers=_login(client, member, PASSWORD)).status_code == 200


def test_an_operator_issues_a_token_for_an_app_backend(
    client: TestClient, auth: dict[str, str], enrol: Callable[..., None], clock: FakeClock
) -> None:
    enrol("p0000003")  # no password: the app signs people in its own way

    response = client.post("/v1/participants/p0000003/tokens", json={"ttl_hours": 2}, headers=auth)

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["user_id"] == "p0000003" and body["token_type"] == "bearer"
    headers = {"Authorization": f"Bearer {body['token']}"}
    assert client.get("/v1/me", headers=headers).json() == {"user_id": "p0000003"}
    clock.advance(hours=2)
    assert_problem(client.get("/v1/me", headers=headers), 401, "unauthorised")


def test_an_issued_token_lasts_12_hours_without_a_body(
    client: TestClient, auth: dict[str, str], member: str
) -> None:
    response = client.post(f"/v1/participants/{member}/tokens", headers=auth)

    assert response.status_code == 201, response.text
    assert response.json()["expires_at"].startswith("2026-11-06T00:00:00")


def test_a_token_for_an_unknown_participant_is_404(
    client: TestClient, auth: dict[str, str]
) -> None:
    body = assert_problem(
        client.post("/v1/participants/nobody/tokens", headers=auth), 404, "not_found"
    )
    assert body["field"] == "user_id"


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("/v1/auth/login", {"user_id": "", "password": PASSWORD}, "user_id"),
        ("/v1/auth/login", {"user_id": "u" * 129, "password": PASSWORD}, "user_id"),
        ("/v1/auth/login", {"user_id": "p0000001", "password": ""}, "password"),
        ("/v1/auth/login", {"user_id": "p0000001", "password": "p" * 257}, "password"),
        ("/v1/auth/login", {"user_id": "p0000001"}, "password"),
        ("/v1/participants/p0000001/tokens", {"ttl_hours": 0}, "ttl_hours"),
        ("/v1/participants/p0000001/tokens", {"ttl_hours": 721}, "ttl_hours"),
    ],
)
def test_out_of_bounds_input_is_422_naming_the_field(
    client: TestClient,
    auth: dict[str, str],
    member: str,
    path: str,
    payload: dict[str, object],
    field: str,
) -> None:
    response = client.post(path, json=payload, headers=auth)

    body = assert_problem(response, 422, "invalid_request")
    assert body["field"] == field


def test_only_a_hash_of_the_password_is_stored(rt: Runtime, member: str) -> None:
    with rt.db.engine.connect() as conn:
        stored = conn.execute(
            sa.select(participant_credentials.c.password_hash).where(
                participant_credentials.c.user_id == member
            )
        ).scalar_one()

    assert stored.startswith("scrypt$16384$8$1$")
    assert PASSWORD not in stored


def test_setting_a_new_password_replaces_the_old(
    client: TestClient, rt: Runtime, member: str
) -> None:
    set_password(rt, member, "a brand new secret")

    refused = client.post("/v1/auth/login", json={"user_id": member, "password": PASSWORD})
    assert_problem(refused, 401, "unauthorised")
    _login(client, member, "a brand new secret")
