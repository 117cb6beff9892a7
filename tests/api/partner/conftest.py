"""Two partners of each kind, approved, with live and sandbox keys carrying every scope."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from saxaul.domain.partners import Mode, PartnerKind, Scope
from saxaul.services import partners
from saxaul.services.runtime import Runtime
from saxaul.store.uow import WriteUnitOfWork

from .isolation import Caller


def make_partner(
    rt: Runtime, client: TestClient, operator: dict[str, str], partner_id: str, kind: PartnerKind
) -> Caller:
    """A partner signed up and approved through the services, with a live key of every scope."""
    _, sandbox = partners.signup(
        rt,
        partners.Application(
            partner_id=partner_id,
            name_en=f"Partner {partner_id}",
            name_zh=None,
            kind=kind,
            contact_email=f"owner@{partner_id}.example",
            owner_name="Owner",
        ),
    )
    partners.decide(rt, partner_id, approve=True, by="test-operator", note=None)

    def live_key(conn: WriteUnitOfWork) -> partners.IssuedKey:
        return partners.new_key(conn, partner_id, "live", Mode.LIVE, frozenset(Scope), None, 0)

    live = rt.db.write(live_key)
    return Caller(
        partner_id=partner_id,
        headers={"Authorization": f"Bearer {live.secret}"},
        sandbox_headers={"Authorization": f"Bearer {sandbox.secret}"},
        client=client,
        operator=operator,
    )


@pytest.fixture
def ngo_a(rt: Runtime, client: TestClient, auth: dict[str, str]) -> Caller:
    return make_partner(rt, client, auth, "ngo-a", PartnerKind.NGO)


@pytest.fixture
def ngo_b(rt: Runtime, client: TestClient, auth: dict[str, str]) -> Caller:
    return make_partner(rt, client, auth, "ngo-b", PartnerKind.NGO)


@pytest.fixture
def biz_a(rt: Runtime, client: TestClient, auth: dict[str, str]) -> Caller:
    return make_partner(rt, client, auth, "biz-a", PartnerKind.BUSINESS)


@pytest.fixture
def biz_b(rt: Runtime, client: TestClient, auth: dict[str, str]) -> Caller:
    return make_partner(rt, client, auth, "biz-b", PartnerKind.BUSINESS)
