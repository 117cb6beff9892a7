"""Operator roles at work and the audit log of operator access to participants' data.

A ``support`` key reading one participant leaves exactly one entry naming the key, its role,
the permission, the method, the route template and the participant, and nothing secret; an
``analyst`` reading aggregates leaves none; only ``admin`` reads the log, and nobody can change
it. Where the store matters (the entry commits with its act; the table refuses UPDATE and
DELETE) the test runs on both engines.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from saxaul.domain.operators import OperatorRole
from saxaul.services.api_keys import create_api_key
from saxaul.services.runtime import Runtime
from saxaul.store import operator_audit_repo

from .conftest import BOTH_STORES
from .helpers import assert_problem

Keys = Callable[[OperatorRole], tuple[str, dict[str, str]]]


@pytest.fixture
def key(rt: Runtime) -> Keys:
    """A new key of a role: its secret and the headers carrying it."""

    def make(role: OperatorRole) -> tuple[str, dict[str, str]]:
        secret = create_api_key(rt, f"{role.value}-key", role)
        return secret, {"Authorization": f"Bearer {secret}"}

    return make


def _audit(client: TestClient, auth: dict[str, str], query: str = "") -> dict[str, Any]:
    response = client.get(f"/v1/operator/audit{query}", headers=auth)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


@BOTH_STORES
def test_support_reading_a_participant_writes_one_entry_and_no_secret(
    client: TestClient,
    auth: dict[str, str],
    key: Keys,
    enrol: Callable[..., None],
) -> None:
    enrol("u1")
    secret, support = key(OperatorRole.SUPPORT)

    record = client.get("/v1/participants/u1?note=sxk_in_the_query", headers=support)

    assert record.status_code == 200, record.text
    assert record.json()["user_id"] == "u1" and record.json()["consent_scopes"]
    page = _audit(client, auth)
    assert page["total"] == 1 and page["next_after_id"] is None
    (entry,) = page["items"]
    assert {k: v for k, v in entry.items() if k not in ("id", "at", "key_id")} == {
        "key_name": "support-key",
        "role": "support",
        "permission": "participants.read",
        "method": "GET",
        "route": "/v1/participants/{user_id}",
        "user_id": "u1",
        "outcome": "ok",
    }
    stored = json.dumps(page)
    assert secret not in stored and auth["Authorization"][7:] not in stored
    assert "sxk_" not in stored and "?" not in stored


def test_an_analyst_reading_aggregates_writes_no_entry(
    client: TestClient, auth: dict[str, str], key: Keys, enrol: Callable[..., None]
) -> None:
    enrol("u1")
    _, analyst = key(OperatorRole.ANALYST)

    for path in (
        "/v1/operator/report?from=2026-10-01&to=2026-11-30",
        "/v1/operator/dashboard",
        "/v1/summary",
        "/v1/operator/trees/pipeline",
    ):
        assert client.get(path, headers=analyst).status_code == 200, path

    assert _audit(client, auth)["total"] == 0


@BOTH_STORES
def test_an_opt_out_and_its_refusal_are_audited(
    client: TestClient, auth: dict[str, str], key: Keys, enrol: Callable[..., None]
) -> None:
    enrol("u1")
    _, support = key(OperatorRole.SUPPORT)

    assert client.post("/v1/participants/u1/opt-out", headers=support).status_code == 204
    again = client.post("/v1/participants/u1/opt-out", headers=support)

    assert_problem(again, 404, "not_found")
    items = _audit(client, auth, "?user_id=u1")["items"]
    assert [(e["permission"], e["route"], e["outcome"]) for e in items] == [
        ("participants.consent", "/v1/participants/{user_id}/opt-out", "ok"),
        ("participants.consent", "/v1/participants/{user_id}/opt-out", "not_found"),
    ]


@BOTH_STORES
def test_an_opt_out_whose_entry_cannot_be_written_does_not_happen(
    client: TestClient,
    auth: dict[str, str],
    key: Keys,
    enrol: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    enrol("u1")
    _, support = key(OperatorRole.SUPPORT)

    def broken(*_: object) -> None:
        raise RuntimeError("the audit log is unwritable")

    with monkeypatch.context() as patched:
        patched.setattr(operator_audit_repo, "append", broken)
        with pytest.raises(RuntimeError, match="unwritable"):
            client.post("/v1/participants/u1/opt-out", headers=support)

    assert client.get("/v1/participants/u1", headers=support).json()["withdrawn_at"] is None


def test_a_token_issued_to_an_app_backend_is_audited_without_the_token(
    client: TestClient, auth: dict[str, str], key: Keys, enrol: Callable[..., None]
) -> None:
    enrol("u1")
    _, operations = key(OperatorRole.OPERATIONS)

    issued = client.post("/v1/participants/u1/tokens", headers=operations)

    assert issued.status_code == 201
    page = _audit(client, auth)
    assert [(e["role"], e["permission"], e["user_id"]) for e in page["items"]] == [
        ("operations", "participants.tokens", "u1")
    ]
    assert issued.json()["token"] not in json.dumps(page)


def test_a_role_refused_on_a_participant_is_audited(
    client: TestClient, auth: dict[str, str], key: Keys, enrol: Callable[..., None]
) -> None:
    enrol("u1")
    _, analyst = key(OperatorRole.ANALYST)

    refused = client.get("/v1/participants/u1", headers=analyst)

    body = assert_problem(refused, 403, "forbidden_role")
    assert body["permission"] == "participants.read" and "user_id" not in body
    (entry,) = _audit(client, auth)["items"]
    assert (entry["role"], entry["user_id"], entry["outcome"]) == (
        "analyst",
        "u1",
        "forbidden_role",
    )


@pytest.mark.parametrize("role", [r for r in OperatorRole if r != OperatorRole.ADMIN])
def test_only_an_admin_reads_the_audit_log(
    client: TestClient, key: Keys, role: OperatorRole
) -> None:
    _, headers = key(role)

    body = assert_problem(client.get("/v1/operator/audit", headers=headers), 403, "forbidden_role")

    assert body["permission"] == "audit.read" and body["detail_zh"]


def test_the_audit_log_pages_and_filters(
    client: TestClient, auth: dict[str, str], key: Keys, enrol: Callable[..., None]
) -> None:
    enrol("u1", "u2")
    _, support = key(OperatorRole.SUPPORT)
    for user in ("u1", "u2", "u1"):
        assert client.get(f"/v1/participants/{user}", headers=support).status_code == 200

    first = _audit(client, auth, "?user_id=u1&limit=1")
    second = _audit(client, auth, f"?user_id=u1&limit=1&after_id={first['next_after_id']}")

    assert first["total"] == 2 and [e["user_id"] for e in first["items"]] == ["u1"]
    assert [e["user_id"] for e in second["items"]] == ["u1"]
    assert second["items"][0]["id"] > first["items"][0]["id"]
    assert _audit(client, auth, "?from=2026-11-05T12:00:00Z")["total"] == 3
    assert _audit(client, auth, "?to=2026-11-05T12:00:00Z")["total"] == 0


@BOTH_STORES
def test_nobody_changes_or_deletes_an_entry(
    client: TestClient, auth: dict[str, str], rt: Runtime, key: Keys, enrol: Callable[..., None]
) -> None:
    enrol("u1")
    _, support = key(OperatorRole.SUPPORT)
    assert client.get("/v1/participants/u1", headers=support).status_code == 200

    for verb in ("PUT", "PATCH", "DELETE", "POST"):
        assert client.request(verb, "/v1/operator/audit", headers=auth).status_code == 405
    for statement in (
        "UPDATE operator_audit SET user_id = 'someone-else'",
        "DELETE FROM operator_audit",
    ):
        with (
            pytest.raises(sa.exc.DBAPIError, match="append-only"),
            rt.db.engine.begin() as connection,
        ):
            connection.execute(sa.text(statement))

    assert [e["user_id"] for e in _audit(client, auth)["items"]] == ["u1"]


@pytest.mark.parametrize("instant", ["0", "2026-11-01", "2026-11-01T00:00:00", "2026-11-01T00:00Z"])
def test_an_instant_must_be_written_out_with_its_offset(
    client: TestClient, auth: dict[str, str], instant: str
) -> None:
    response = client.get(f"/v1/operator/audit?from={instant}", headers=auth)

    assert assert_problem(response, 422, "invalid_request")["field"] == "from"
