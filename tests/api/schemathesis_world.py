"""The seeded world both schemathesis runs call, its credentials, and the checks on answers.

Why shared: the stateless run (``test_schemathesis.py``) and the stateful one
(``test_schemathesis_stateful.py``) must judge answers alike and call as the same principals —
the operator key on operator routes, a participant token on participant routes, a partner key
with every scope on partner routes — so neither drifts from the other.

The world: ``u-000042`` (the caller of the document's examples) is friends with ``u-000043``;
both have balls and energy, ``u-000044`` too. A rival participant and a rival partner hold
objects of their own, marked with names no generated request carries, so an answer to another
principal that names them is a leak (``NoOtherPrincipalsObjects``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from schemathesis.checks import CheckContext, not_a_server_error
from schemathesis.core.transport import Response
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from saxaul.api.app import create_app
from saxaul.api.deps import NDJSON_TYPES, reads_upload
from saxaul.bootstrap import bootstrap
from saxaul.config import Settings
from saxaul.domain.partners import Mode, PartnerKind, Scope
from saxaul.services import partners
from saxaul.services.api_keys import create_api_key
from saxaul.services.balls import mint_balls
from saxaul.services.participant_auth import issue_token, set_password
from saxaul.services.runtime import Runtime
from saxaul.store.uow import WriteUnitOfWork
from tests.conftest import FakeClock, fresh_schema
from tests.game_world import balls_for, befriend, bus_trips, enrol

from .helpers import MAX_BYTES

ME, FRIEND, STRANGER = "u-000042", "u-000043", "u-000044"
"""The ids the OpenAPI document uses as examples, so its examples reach real participants."""
RIVAL = "u-000777"
"""A participant no example names, friends with ``STRANGER`` only: never in ``ME``'s answers."""
RIVAL_PARTNER = "rival-partner-marker"
"""A partner whose objects no other partner's answer may show."""
RIVAL_HOOK = "https://rival-partner-marker.example/hook"
"""The rival partner's webhook address."""
PASSWORD = "correct horse battery"
"""The login example's password."""
SEEDED_AT = dt.datetime(2026, 11, 5, 12, 0, tzinfo=dt.UTC)
"""When the world is seeded (the day after its balls' events)."""
RIPE_AFTER_H = 25
"""Hours after seeding when every ball is ripe: collect, steal and plant can succeed."""


@dataclass(frozen=True)
class Credentials:
    """What the seeded world's principals call with (stored in its database)."""

    operator: str
    token: str
    partner: str


def seed(rt: Runtime, client: TestClient, tmp_path: Path) -> Credentials:
    """The participants, their friendships and balls, the partners and the credentials."""
    enrol(rt, [ME, FRIEND, STRANGER, RIVAL], tmp_path)
    befriend(rt, ME, FRIEND)
    befriend(rt, STRANGER, RIVAL)
    balls_for(rt, {ME: 3, FRIEND: 2, STRANGER: 1, RIVAL: 4}, dt.date(2026, 11, 4))
    bus_trips(rt, ME, 300, dt.date(2026, 11, 4))
    mint_balls(rt)
    set_password(rt, ME, PASSWORD)
    credentials = Credentials(
        operator=create_api_key(rt, "schemathesis"),
        token=issue_token(rt, ME, dt.timedelta(days=30)).token,
        partner="schemathesis-partner",
    )
    for partner_id in (credentials.partner, RIVAL_PARTNER):
        application = partners.Application(
            partner_id, partner_id.title(), None, PartnerKind.NGO, "s@example.org", "Owner"
        )
        partners.signup(rt, application)
        partners.decide(rt, partner_id, approve=True, by="schemathesis", note=None)
    rival = World(rt, client, credentials, Mode.SANDBOX).partner_key(RIVAL_PARTNER)
    created = client.post(
        "/v1/partner/webhooks",
        headers={"Authorization": f"Bearer {rival}"},
        json={"url": RIVAL_HOOK, "event_types": ["*"]},
    )
    assert created.status_code == 201, created.text
    return credentials


class World:
    """The app of one store and the credentials to call it with.

    ``partner_mode`` is the mode of the keys partner routes are called with: a run in the
    sandbox reaches what a sandbox key may (loopback webhooks), a live one what it may.
    """

    def __init__(
        self, rt: Runtime, client: TestClient, credentials: Credentials, partner_mode: Mode
    ) -> None:
        self.rt, self.client, self.partner_mode = rt, client, partner_mode
        self.operator, self.token = credentials.operator, credentials.token
        self.partner = credentials.partner

    def partner_key(self, partner_id: str | None = None) -> str:
        """A fresh key with every scope: a case that revokes or rotates a key (key ids are
        small integers, so generated ones hit) must not lock the next cases out."""

        def issue(uow: WriteUnitOfWork) -> partners.IssuedKey:
            return partners.new_key(
                uow,
                partner_id or self.partner,
                "schemathesis",
                self.partner_mode,
                frozenset(Scope),
                None,
                0,
            )

        return self.rt.db.write(issue).secret

    def headers(self, case: schemathesis.Case) -> dict[str, str]:
        """The credentials the operation's security scheme asks for (a fresh token to log out;
        a fresh partner key with every scope on partner routes)."""
        schemes = security_schemes(case)
        if "PartnerKey" in schemes:
            return {"Authorization": f"Bearer {self.partner_key()}"}
        if "ParticipantToken" in schemes:
            token = self.token
            if case.operation.path == "/v1/auth/logout":
                token = issue_token(self.rt, ME).token
            return {"Authorization": f"Bearer {token}"}
        if schemes:
            return {"Authorization": f"Bearer {self.operator}"}
        return {}


def security_schemes(case: schemathesis.Case) -> set[str]:
    """The names of the security schemes the case's operation accepts."""
    security = case.operation.definition.raw.get("security", [])
    return {name for requirement in security for name in requirement}


RIVALS_OBJECTS = {"ParticipantToken": (RIVAL,), "PartnerKey": (RIVAL_PARTNER, RIVAL_HOOK)}
"""What an answer under each security scheme must never name."""


def no_other_principals_objects(
    ctx: CheckContext, response: Response, case: schemathesis.Case
) -> None:
    """A check: an answer to a participant or a partner names none of the rival's objects.

    Why text: a leak can hide in any field (a friend list, a ball's ``owner``, a webhook's
    ``url``), and the rival's names are chosen so that nothing but a leak carries them.
    Operator routes see everyone by design, and a public route names no one.
    """
    text = response.content.decode(errors="replace")
    for scheme in security_schemes(case) & RIVALS_OBJECTS.keys():
        for marker in RIVALS_OBJECTS[scheme]:
            assert marker not in text, f"{case.operation.label} answered {marker!r}"


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    no_other_principals_objects,
]
"""No 5xx; a documented status, content type and body; invalid requests refused; nothing of
another principal's."""


@contextmanager
def world_of(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    partner_mode: Mode,
) -> Iterator[World]:
    """One seeded app on ``request.param``'s store, every ball ripe (collect, steal and plant
    can succeed), rate limits off: a fuzzer's hundreds of requests per caller are no human's
    (their 429 is documented on every operation and tested in ``test_rate_limits.py``)."""
    with ExitStack() as stack:
        if request.param == "postgresql":
            url = stack.enter_context(fresh_schema(request.getfixturevalue("postgres_base")))
        else:
            url = f"sqlite:///{tmp_path}/t.db"
        settings = Settings(database_url=url, http_max_bytes=MAX_BYTES, rate_limits=False)
        clock = FakeClock(SEEDED_AT)
        rt = bootstrap(settings, clock=clock)
        stack.callback(rt.db.dispose)
        app = create_app(settings, runtime=rt)
        client = stack.enter_context(TestClient(app, raise_server_exceptions=False))
        seeded = World(rt, client, seed(rt, client, tmp_path), partner_mode)
        clock.advance(hours=RIPE_AFTER_H)
        yield seeded


BULK_OPERATIONS = frozenset(
    (method, route.path)
    for route in iter_route_contexts(create_app(Settings()).routes)
    if hasattr(route, "dependant") and reads_upload(route)
    for method in route.methods or ()
)
"""Operations whose body the ingest layer reads (``UploadDep``)."""


@schemathesis.serializer(*NDJSON_TYPES)
def _ndjson(ctx: Any, value: Any) -> bytes:
    """An NDJSON body: each generated event object on its own line."""
    rows = value if isinstance(value, list) else [value]
    return b"".join(json.dumps(row).encode() + b"\n" for row in rows)


def generation(max_examples: int) -> dict[str, Any]:
    """Schemathesis settings of both runs: valid and invalid requests, NUL characters allowed,
    the same cases every run; a bulk body is read row by row (a malformed row is quarantined
    in a 200 answer), so the bulk routes get valid rows only (the ingest tests cover malformed
    ones)."""
    return {
        "generation": {
            "mode": "all",
            "allow-x00": True,
            "with-security-parameters": False,
            "max-examples": max_examples,
            "deterministic": True,
        },
        "operations": [
            {"include-path": path, "generation": {"mode": "positive"}}
            for path in sorted({path for _, path in BULK_OPERATIONS})
        ],
    }
