"""Isolation cases for the partner's own organisation, members and keys (``/v1/partner…``)."""

from __future__ import annotations

from saxaul.domain.partners import PartnerKind

from .isolation import Arranged, Caller, IsolationCase

A_MEMBER = "Alpha Only Member"
A_KEY = "alpha-only-key"


def _member(a: Caller) -> Arranged:
    response = a.client.post(
        "/v1/partner/members",
        headers=a.headers,
        json={"email": "shared@people.example", "name": A_MEMBER, "role": "developer"},
    )
    assert response.status_code == 201, response.text
    return Arranged(params={"member_id": str(response.json()["id"])}, secrets=(A_MEMBER,))


def _key(a: Caller) -> Arranged:
    response = a.client.post(
        "/v1/partner/keys",
        headers=a.headers,
        json={"name": A_KEY, "mode": "sandbox", "scopes": ["projects:read"]},
    )
    assert response.status_code == 201, response.text
    created = response.json()
    return Arranged(params={"key_id": str(created["id"])}, secrets=(A_KEY, created["secret"]))


def _organisation(a: Caller) -> Arranged:
    return Arranged(secrets=(a.partner_id, f"owner@{a.partner_id}.example"))


NGO = PartnerKind.NGO

CASES = [
    IsolationCase("GET", "/v1/partner", NGO, _organisation, foreign_path=False),
    IsolationCase("GET", "/v1/partner/members", NGO, _member, foreign_path=False),
    IsolationCase(
        "POST",
        "/v1/partner/members",
        NGO,
        _member,
        body=lambda _: {"email": "shared@people.example", "name": "B's own", "role": "viewer"},
        foreign_path=False,
    ),
    IsolationCase("DELETE", "/v1/partner/members/{member_id}", NGO, _member),
    IsolationCase("GET", "/v1/partner/keys", NGO, _key, foreign_path=False),
    IsolationCase(
        "POST",
        "/v1/partner/keys",
        NGO,
        _member,
        body=lambda arranged: {
            "name": "acting for A's member",
            "mode": "sandbox",
            "scopes": ["projects:read"],
            "member_id": int(arranged.params["member_id"]),
        },
    ),
    IsolationCase(
        "POST",
        "/v1/partner/keys/{key_id}/rotate",
        NGO,
        _key,
        body=lambda _: {"grace_seconds": 0},
    ),
    IsolationCase("DELETE", "/v1/partner/keys/{key_id}", NGO, _key),
]
