"""Every operation of the OpenAPI document, fuzzed by schemathesis on SQLite and PostgreSQL.

Why: a 500 is always a defect, and the document is the contract clients are generated from. So
each operation gets valid and invalid requests (schemathesis' positive and negative modes, with
NUL characters allowed in strings) sent with real credentials — the operator key on operator
routes, a participant token on participant routes — against a world where the happy paths are
reachable (the ids the document gives as examples exist: ``u-000042`` is the caller, friends
with ``u-000043``, both with balls and energy). Every answer must be no 5xx, a status the
operation documents, the documented content type, and a body matching its schema.

Bounded for CI: a fixed number of examples per operation, derandomized (the same cases every
run), no deadline; the run time of each store is printed in the terminal summary.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
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

from .helpers import MAX_BYTES, RUN_TIMES

ME, FRIEND, STRANGER = "u-000042", "u-000043", "u-000044"
"""The ids the OpenAPI document uses as examples, so its examples reach real participants."""
PASSWORD = "correct horse battery"
"""The login example's password."""
MAX_EXAMPLES = 20
"""Per operation and store: ~36 operations × 2 stores × 20 cases stays within a few minutes."""
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


class World:
    """The app of one store, its seeded participants and the credentials to call it with."""

    def __init__(self, rt: Runtime, client: TestClient, tmp_path: Path) -> None:
        self.rt, self.client = rt, client
        enrol(rt, [ME, FRIEND, STRANGER], tmp_path)
        befriend(rt, ME, FRIEND)
        balls_for(rt, {ME: 3, FRIEND: 2, STRANGER: 1}, dt.date(2026, 11, 4))
        bus_trips(rt, ME, 300, dt.date(2026, 11, 4))
        mint_balls(rt)
        set_password(rt, ME, PASSWORD)
        self.operator = create_api_key(rt, "schemathesis")
        self.token = issue_token(rt, ME, dt.timedelta(days=30)).token
        self.partner = "schemathesis-partner"
        application = partners.Application(
            self.partner, "Schemathesis", None, PartnerKind.NGO, "s@example.org", "Owner"
        )
        partners.signup(rt, application)
        partners.decide(rt, self.partner, approve=True, by="schemathesis", note=None)

    def partner_key(self) -> str:
        """A fresh live key with every scope: a case that revokes or rotates a key (key ids
        are small integers, so generated ones hit) must not lock the next cases out."""

        def issue(uow: WriteUnitOfWork) -> partners.IssuedKey:
            return partners.new_key(
                uow, self.partner, "schemathesis", Mode.LIVE, frozenset(Scope), None, 0
            )

        return self.rt.db.write(issue).secret

    def headers(self, case: schemathesis.Case) -> dict[str, str]:
        """The credentials the operation's security scheme asks for (a fresh token to log out;
        a fresh live partner key with every scope on partner routes)."""
        security = case.operation.definition.raw.get("security", [])
        schemes = {name for requirement in security for name in requirement}
        if "PartnerKey" in schemes:
            return {"Authorization": f"Bearer {self.partner_key()}"}
        if "ParticipantToken" in schemes:
            token = self.token
            if case.operation.path == "/v1/auth/logout":
                token = issue_token(self.rt, ME).token
            return {"Authorization": f"Bearer {token}"}
        if "PartnerKey" in schemes:
            return {"Authorization": f"Bearer {self.partner}"}
        if schemes:
            return {"Authorization": f"Bearer {self.operator}"}
        return {}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """One seeded app per store for every operation (a world per case would cost minutes)."""
    started = time.perf_counter()
    tmp_path = tmp_path_factory.mktemp(request.param)
    with ExitStack() as stack:
        if request.param == "postgresql":
            url = stack.enter_context(fresh_schema(request.getfixturevalue("postgres_base")))
        else:
            url = f"sqlite:///{tmp_path}/t.db"
        # a fuzzer's hundreds of requests per caller are no human's: rate limits off (their
        # 429 is documented on every operation and tested in test_rate_limits.py)
        settings = Settings(database_url=url, http_max_bytes=MAX_BYTES, rate_limits=False)
        clock = FakeClock(dt.datetime(2026, 11, 5, 12, 0, tzinfo=dt.UTC))
        rt = bootstrap(settings, clock=clock)
        stack.callback(rt.db.dispose)
        app = create_app(settings, runtime=rt)
        client = stack.enter_context(TestClient(app, raise_server_exceptions=False))
        seeded = World(rt, client, tmp_path)
        clock.advance(hours=25)  # every ball ripe: collect, steal and plant can succeed
        yield seeded
    times = request.config.stash.setdefault(RUN_TIMES, {})
    times[request.param] = time.perf_counter() - started


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


schema = schemathesis.openapi.from_dict(
    create_app(Settings()).openapi(),
    config=SchemathesisConfig.from_dict(
        {
            "generation": {
                "mode": "all",
                "allow-x00": True,
                "with-security-parameters": False,
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
            },
            # A bulk body is read row by row: a malformed row is quarantined in a 200 answer,
            # so the bulk routes get valid rows only (the ingest tests cover malformed ones).
            "operations": [
                {"include-path": path, "generation": {"mode": "positive"}}
                for path in sorted({path for _, path in BULK_OPERATIONS})
            ],
        }
    ),
)
"""The document as the app serves it (built without a store: nothing runs until a request)."""


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented(case: schemathesis.Case, world: World) -> None:
    case.call_and_validate(
        app=world.client.app, session=world.client, headers=world.headers(case), checks=CHECKS
    )
