"""Every operation of the OpenAPI document, fuzzed by schemathesis on SQLite and PostgreSQL.

Why: a 500 is always a defect, and the document is the contract clients are generated from. So
each operation gets valid and invalid requests (schemathesis' positive and negative modes, with
NUL characters allowed in strings) sent with real credentials (``schemathesis_world``) against a
world where the happy paths are reachable (the ids the document gives as examples exist). Every
answer must be no 5xx, a status the operation documents, the documented content type, a body
matching its schema, and name nothing of another principal's.

Bounded for CI: a fixed number of examples per operation, derandomized (the same cases every
run), no deadline; the run time of each store is printed in the terminal summary.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from saxaul.api.app import create_app
from saxaul.config import Settings
from saxaul.domain.partners import Mode

from .helpers import RUN_TIMES
from .schemathesis_world import CHECKS, World, generation, world_of

MAX_EXAMPLES = 20
"""Per operation and store: ~36 operations × 2 stores × 20 cases stays within a few minutes."""


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """One seeded app per store for every operation (a world per case would cost minutes)."""
    started = time.perf_counter()
    with world_of(request, tmp_path_factory.mktemp(request.param), Mode.LIVE) as seeded:
        yield seeded
    times = request.config.stash.setdefault(RUN_TIMES, {})
    times[request.param] = time.perf_counter() - started


schema = schemathesis.openapi.from_dict(
    create_app(Settings()).openapi(),
    config=SchemathesisConfig.from_dict(generation(MAX_EXAMPLES)),
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
