"""Partners through the API: sign-up, members and roles, keys (live only once approved,
rotation with a grace period, revocation at once) and the operator's decisions.

Every test runs on both stores; only the clock is fake (``rt.clock.advance``).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from saxaul.catalogue import shipped_species
from saxaul.catalogue.projects import shipped_projects
from saxaul.domain.partners import Scope
from saxaul.services.runtime import Runtime
from saxaul.store.tables import partner_keys, webhook_events
from tests.conftest import FakeClock

from ..conftest import BOTH_STORES
from ..helpers import assert_problem

SEEDED = shipped_projects(shipped_species()).partners
"""The default catalogue's planting partners, seeded by ``bootstrap``."""

pytestmark = BOTH_STORES

ALL_SCOPES = sorted(s.value for s in Scope)


def sign_up(client: TestClient, partner_id: str = "green-steppe", **changes: Any) -> Any:
    """Sign ``partner_id`` up through the API; the answer's JSON."""
    body = {
        "partner_id": partner_id,
        "name_en": "SEE Foundation",
        "name_zh": "阿拉善SEE基金会",
        "kind": "ngo",
        "contact_email": f"tech@{partner_id}.example",
        "owner_name": "Li Wei",
    } | changes
    response = client.post("/v1/partners", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def new_key(client: TestClient, headers: dict[str, str], **body: Any) -> Any:
    """Create a key with ``headers``; the answer's JSON (201 asserted)."""
    response = client.post(
        "/v1/partner/keys", headers=headers, json={"name": "k", "mode": "sandbox"} | body
    )
    assert response.status_code == 201, response.text
    return response.json()


def add_member(client: TestClient, headers: dict[str, str], email: str, role: str) -> int:
    response = client.post(
        "/v1/partner/members", headers=headers, json={"email": email, "name": email, "role": role}
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def approve(client: TestClient, auth: dict[str, str], partner_id: str = "green-steppe") -> Any:
    response = client.post(f"/v1/operator/partners/{partner_id}/approve", headers=auth, json={})
    assert response.status_code == 200, response.text
    return response.json()


def test_sign_up_gives_a_pending_partner_and_a_sandbox_key_with_every_scope(
    client: TestClient,
) -> None:
    created = sign_up(client)

    assert created["partner"]["status"] == "pending"
    assert created["partner"]["kind"] == "ngo"
    key = created["key"]
    assert (key["mode"], key["scopes"]) == ("sandbox", ALL_SCOPES)
    assert key["secret"].startswith("sxp_test_")
    me = client.get("/v1/partner", headers=bearer(key["secret"]))
    assert me.status_code == 200, me.text
    assert me.json()["partner"]["id"] == "green-steppe"
    assert me.json()["key"] == {"id": key["id"], "mode": "sandbox", "scopes": ALL_SCOPES}
    members = client.get("/v1/partner/members", headers=bearer(key["secret"])).json()["members"]
    assert [(m["email"], m["role"]) for m in members] == [("tech@green-steppe.example", "owner")]


def test_sign_up_refusals(client: TestClient, auth: dict[str, str]) -> None:
    sign_up(client)
    body = {
        "partner_id": "green-steppe",
        "name_en": "Another",
        "kind": "ngo",
        "contact_email": "a@b.example",
        "owner_name": "X",
    }

    assert_problem(client.post("/v1/partners", json=body), 409, "conflict")
    for changes in (
        {"partner_id": "other", "kind": "operator"},
        {"partner_id": "Not A Slug"},
        {"partner_id": "other", "contact_email": "no-at-sign"},
        {"partner_id": "other", "extra": "field"},
        {"partner_id": "other", "name_en": "x" * 201},
    ):
        assert_problem(client.post("/v1/partners", json=body | changes), 422, "invalid_request")
    operator_kind = client.post(
        "/v1/operator/partners", headers=auth, json=body | {"partner_id": "ops", "kind": "operator"}
    )
    assert operator_kind.status_code == 201, operator_kind.text
    assert operator_kind.json()["partner"]["kind"] == "operator"


def test_member_roles_cap_the_scopes_of_their_keys(client: TestClient) -> None:
    owner = bearer(sign_up(client)["key"]["secret"])
    viewer = add_member(client, owner, "viewer@see.example", "viewer")
    developer = add_member(client, owner, "dev@see.example", "developer")
    admin = add_member(client, owner, "admin@see.example", "admin")

    refused = client.post(
        "/v1/partner/keys",
        headers=owner,
        json={"name": "v", "mode": "sandbox", "scopes": ["orders:write"], "member_id": viewer},
    )
    assert assert_problem(refused, 403, "scope_not_allowed")["field"] == "scopes"
    read = new_key(client, owner, scopes=["projects:read", "orders:read"], member_id=viewer)
    assert read["scopes"] == ["orders:read", "projects:read"]

    dev_key = new_key(client, owner, scopes=["orders:read", "evidence:write"], member_id=developer)
    dev = bearer(dev_key["secret"])
    body = {"name": "more", "mode": "sandbox", "scopes": ["orders:read"]}
    assert_problem(client.post("/v1/partner/keys", headers=dev, json=body), 403, "forbidden")
    assert_problem(
        client.post(
            "/v1/partner/members",
            headers=dev,
            json={"email": "x@y.z", "name": "x", "role": "owner"},
        ),
        403,
        "forbidden",
    )

    admin_key = new_key(client, owner, scopes=["keys:write", "orders:read"], member_id=admin)
    admin_headers = bearer(admin_key["secret"])
    for scopes in (["members:write"], ["orders:write"]):
        # beyond the admin's role, then beyond the admin key's own scopes
        response = client.post(
            "/v1/partner/keys", headers=admin_headers, json=body | {"scopes": scopes}
        )
        assert_problem(response, 403, "scope_not_allowed")
    assert new_key(client, admin_headers, scopes=["orders:read"])["scopes"] == ["orders:read"]
    assert_problem(
        client.post("/v1/partner/keys", headers=owner, json=body | {"scopes": ["no:such"]}),
        422,
        "invalid_request",
    )


def test_a_live_key_is_refused_before_approval_and_created_after(
    client: TestClient, auth: dict[str, str], rt: Runtime
) -> None:
    sandbox = bearer(sign_up(client)["key"]["secret"])
    body = {"name": "prod", "mode": "live", "scopes": ["orders:read"]}

    refused = client.post("/v1/partner/keys", headers=sandbox, json=body)
    problem = assert_problem(refused, 403, "partner_not_approved")
    assert problem["partner_status"] == "pending" and "approved" in problem["detail"]

    decided = approve(client, auth)
    assert decided["status"] == "approved" and decided["decided_at"]
    live = new_key(client, sandbox, **body)
    assert live["secret"].startswith("sxp_live_")
    me = client.get("/v1/partner", headers=bearer(live["secret"])).json()
    assert (me["key"]["mode"], me["partner"]["status"]) == ("live", "approved")

    approve(client, auth)  # again: nothing changes, no second event
    with rt.db.reading() as conn:
        events = conn.execute(sa.select(webhook_events.c.mode, webhook_events.c.payload)).all()
    assert [(mode, json.loads(payload)["partner"]["id"]) for mode, payload in events] == [
        ("live", "green-steppe")
    ]


def test_a_suspended_partners_live_keys_are_refused_at_once(
    client: TestClient, auth: dict[str, str]
) -> None:
    sandbox = bearer(sign_up(client)["key"]["secret"])
    approve(client, auth)
    live = bearer(new_key(client, sandbox, mode="live", scopes=["orders:read"])["secret"])
    assert client.get("/v1/partner", headers=live).status_code == 200

    suspended = client.post(
        "/v1/operator/partners/green-steppe/suspend", headers=auth, json={"note": "audit"}
    )
    assert suspended.json()["status"] == "suspended", suspended.text

    assert (
        "suspended"
        in assert_problem(client.get("/v1/partner", headers=live), 401, "unauthorised")["detail"]
    )
    assert client.get("/v1/partner", headers=sandbox).status_code == 200
    assert_problem(
        client.post(
            "/v1/partner/keys",
            headers=sandbox,
            json={"name": "x", "mode": "live", "scopes": ["orders:read"]},
        ),
        403,
        "partner_not_approved",
    )
    approve(client, auth)
    assert client.get("/v1/partner", headers=live).status_code == 200


def test_a_rotated_key_works_until_its_grace_period_ends(
    client: TestClient, clock: FakeClock
) -> None:
    owner = bearer(sign_up(client)["key"]["secret"])
    old = new_key(client, owner, name="ci", scopes=["projects:read"])

    response = client.post(
        f"/v1/partner/keys/{old['id']}/rotate", headers=owner, json={"grace_seconds": 3600}
    )
    assert response.status_code == 201, response.text
    rotated = response.json()
    new = rotated["key"]
    assert (new["name"], new["mode"], new["scopes"]) == ("ci", "sandbox", ["projects:read"])
    assert new["secret"] != old["secret"] and rotated["replaced_key_id"] == old["id"]
    assert rotated["replaced_key_expires_at"] == "2026-11-05T13:00:00Z"
    listed = {k["id"]: k for k in client.get("/v1/partner/keys", headers=owner).json()["keys"]}
    assert (listed[old["id"]]["status"], listed[old["id"]]["replaced_by"]) == (
        "expiring",
        new["id"],
    )

    clock.advance(seconds=3599)
    assert client.get("/v1/partner", headers=bearer(old["secret"])).status_code == 200
    clock.advance(seconds=1)
    assert_problem(client.get("/v1/partner", headers=bearer(old["secret"])), 401, "unauthorised")
    assert client.get("/v1/partner", headers=bearer(new["secret"])).status_code == 200
    listed = {k["id"]: k for k in client.get("/v1/partner/keys", headers=owner).json()["keys"]}
    assert listed[old["id"]]["status"] == "expired"

    again = client.post(f"/v1/partner/keys/{old['id']}/rotate", headers=owner)
    assert_problem(again, 409, "key_not_current")
    too_long = client.post(
        f"/v1/partner/keys/{new['id']}/rotate", headers=owner, json={"grace_seconds": 604_801}
    )
    assert_problem(too_long, 422, "invalid_request")
    default = client.post(f"/v1/partner/keys/{new['id']}/rotate", headers=owner)
    assert default.json()["replaced_key_expires_at"] == "2026-11-06T13:00:00Z", default.text


def test_a_rotation_without_grace_stops_the_old_key_at_once(client: TestClient) -> None:
    owner = bearer(sign_up(client)["key"]["secret"])
    old = new_key(client, owner, scopes=["projects:read"])

    client.post(f"/v1/partner/keys/{old['id']}/rotate", headers=owner, json={"grace_seconds": 0})

    assert_problem(client.get("/v1/partner", headers=bearer(old["secret"])), 401, "unauthorised")


def test_a_revoked_key_is_refused_on_the_very_next_request(client: TestClient) -> None:
    owner = bearer(sign_up(client)["key"]["secret"])
    other = new_key(client, owner, scopes=["keys:write"])
    other_headers = bearer(other["secret"])
    assert client.get("/v1/partner", headers=other_headers).status_code == 200

    revoked = client.delete(f"/v1/partner/keys/{other['id']}", headers=owner)
    assert revoked.status_code == 204, revoked.text

    assert_problem(client.get("/v1/partner", headers=other_headers), 401, "unauthorised")
    assert client.delete(f"/v1/partner/keys/{other['id']}", headers=owner).status_code == 204
    listed = {k["id"]: k for k in client.get("/v1/partner/keys", headers=owner).json()["keys"]}
    assert listed[other["id"]]["status"] == "revoked" and listed[other["id"]]["revoked_at"]
    assert_problem(client.delete("/v1/partner/keys/999999", headers=owner), 404, "not_found")


def test_a_key_may_revoke_itself(client: TestClient) -> None:
    created = sign_up(client)["key"]
    headers = bearer(created["secret"])

    assert client.delete(f"/v1/partner/keys/{created['id']}", headers=headers).status_code == 204

    assert_problem(client.get("/v1/partner", headers=headers), 401, "unauthorised")


def test_removing_a_member_revokes_their_keys_but_never_the_last_owner(
    client: TestClient,
) -> None:
    created = sign_up(client)
    owner = bearer(created["key"]["secret"])
    first_owner = client.get("/v1/partner/members", headers=owner).json()["members"][0]["id"]
    developer = add_member(client, owner, "dev@see.example", "developer")
    dev_key = bearer(new_key(client, owner, scopes=["orders:read"], member_id=developer)["secret"])

    last = client.delete(f"/v1/partner/members/{first_owner}", headers=owner)
    assert_problem(last, 409, "last_owner")
    assert client.delete(f"/v1/partner/members/{developer}", headers=owner).status_code == 204

    assert_problem(client.get("/v1/partner", headers=dev_key), 401, "unauthorised")
    assert_problem(
        client.delete(f"/v1/partner/members/{developer}", headers=owner), 404, "not_found"
    )
    second = add_member(client, owner, "boss@see.example", "owner")
    boss = bearer(new_key(client, owner, scopes=["members:write"], member_id=second)["secret"])
    assert client.delete(f"/v1/partner/members/{first_owner}", headers=boss).status_code == 204
    assert_problem(client.get("/v1/partner", headers=owner), 401, "unauthorised")


def test_a_member_is_added_once_and_may_come_back_after_removal(client: TestClient) -> None:
    owner = bearer(sign_up(client)["key"]["secret"])
    member = add_member(client, owner, "Dev@See.example", "developer")

    twice = client.post(
        "/v1/partner/members",
        headers=owner,
        json={"email": "dev@see.example", "name": "again", "role": "viewer"},
    )
    assert_problem(twice, 409, "conflict")
    client.delete(f"/v1/partner/members/{member}", headers=owner)
    back = add_member(client, owner, "dev@see.example", "viewer")

    assert back == member
    members = client.get("/v1/partner/members", headers=owner).json()["members"]
    assert [(m["email"], m["role"]) for m in members][-1] == ("dev@see.example", "viewer")


def test_secrets_appear_only_when_created_and_only_their_hash_is_stored(
    client: TestClient, auth: dict[str, str], rt: Runtime
) -> None:
    created = sign_up(client)
    owner = bearer(created["key"]["secret"])
    approve(client, auth)
    secrets = [
        created["key"]["secret"],
        new_key(client, owner, mode="live", scopes=["orders:read"])["secret"],
    ]
    rotated = client.post("/v1/partner/keys/2/rotate", headers=owner, json={"grace_seconds": 60})
    secrets.append(rotated.json()["key"]["secret"])

    with rt.db.reading() as conn:
        hashes = set(conn.execute(sa.select(partner_keys.c.key_hash)).scalars())
    assert hashes == {hashlib.sha256(s.encode()).hexdigest() for s in secrets}
    answers = [
        client.get(path, headers=owner).text
        for path in ("/v1/partner", "/v1/partner/keys", "/v1/partner/members")
    ] + [
        client.get(path, headers=auth).text
        for path in ("/v1/operator/partners", "/v1/operator/partners/green-steppe")
    ]
    for answer in answers:
        for secret in secrets:
            assert secret not in answer and secret[9:] not in answer
        for digest in hashes:
            assert digest not in answer


def test_operators_list_show_and_decide(client: TestClient, auth: dict[str, str]) -> None:
    sign_up(client, "a-ngo")
    sign_up(client, "b-biz", kind="business")
    approve(client, auth, "b-biz")

    pending = client.get("/v1/operator/partners?status=pending", headers=auth).json()
    assert [p["id"] for p in pending] == ["a-ngo"]
    every = client.get("/v1/operator/partners", headers=auth).json()
    mine = [(p["id"], p["status"]) for p in every if p["id"] in {"a-ngo", "b-biz"}]
    assert mine == [("a-ngo", "pending"), ("b-biz", "approved")]
    assert len(every) == 2 + len(SEEDED)  # and the default catalogue's planting partners
    shown = client.get("/v1/operator/partners/b-biz", headers=auth).json()
    assert (shown["kind"], shown["contact_email"]) == ("business", "tech@b-biz.example")
    assert_problem(client.get("/v1/operator/partners/nobody", headers=auth), 404, "not_found")
    assert_problem(
        client.post("/v1/operator/partners/nobody/approve", headers=auth), 404, "not_found"
    )
    note = client.post(
        "/v1/operator/partners/a-ngo/suspend", headers=auth, json={"note": "duplicate"}
    ).json()
    assert (note["status"], note["decision_note"]) == ("suspended", "duplicate")
