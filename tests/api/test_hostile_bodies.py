"""Hostile JSON bodies, which schemathesis does not generate: deep nesting, NUL, huge integers.

A Hypothesis fuzz sends every operation that reads a JSON body (bulk bodies aside: the ingest
layer reads those) documents nested up to thousands deep, with NUL characters, unpaired
surrogates and integers far beyond 64 bits at random places; each answer must be a documented
4xx or 2xx, never a 5xx. And a real server keeps its keep-alive connection open after
refusing such a body, so one hostile request costs a client nothing more than its answer.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saxaul.api.app import create_app
from saxaul.config import Settings
from saxaul.services.runtime import Runtime
from tests.live_server import live_server

from .conftest import BOTH_STORES
from .participant_tokens import participant_headers

DOCUMENT = create_app(Settings()).openapi()
JSON_BODIES = sorted(
    (method.upper(), path)
    for path, item in DOCUMENT["paths"].items()
    for method, operation in item.items()
    if list(operation.get("requestBody", {}).get("content", {})) == ["application/json"]
)
"""Operations whose only body is JSON; ``POST /v1/events`` also reads NDJSON (a bulk body)."""

_leaves = st.one_of(
    st.text(alphabet=st.sampled_from(["a", "\x00", "\ud800", "1"]), max_size=4),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.booleans(),
    st.none(),
)
_values = st.recursive(
    _leaves,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children)
    ),
    max_leaves=8,
)


def _nest(value: Any, depth: int, opening: str) -> str:
    inner = json.dumps(value)
    closing = "]" if opening == "[" else "}"
    return opening * depth + inner + closing * depth


@pytest.fixture
def callers(rt: Runtime, enrol: Any, auth: dict[str, str]) -> dict[str, dict[str, str]]:
    enrol("u1", "u2")
    return {"participant": participant_headers(rt, "u1"), "operator": auth}


def _headers(operation: dict[str, Any], callers: dict[str, dict[str, str]]) -> dict[str, str]:
    schemes = {name for requirement in operation.get("security", []) for name in requirement}
    base = {"Content-Type": "application/json", "Idempotency-Key": "fuzz"}
    if "ParticipantToken" in schemes:
        return {**base, **callers["participant"]}
    if schemes:
        return {**base, **callers["operator"]}
    return base


@BOTH_STORES
@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    operation=st.sampled_from(JSON_BODIES),
    value=_values,
    depth=st.sampled_from([0, 1, 5, 40, 900, 5_000, 100_000]),
    opening=st.sampled_from(["[", '{"user_id":']),
)
def test_no_hostile_body_gets_a_server_error(
    client: TestClient,
    callers: dict[str, dict[str, str]],
    operation: tuple[str, str],
    value: Any,
    depth: int,
    opening: str,
) -> None:
    method, template = operation
    described = DOCUMENT["paths"][template][method.lower()]
    path = template.replace("{", "").replace("}", "")  # every path parameter named after itself

    response = client.request(
        method, path, content=_nest(value, depth, opening), headers=_headers(described, callers)
    )

    assert response.status_code < 500, response.text
    assert str(response.status_code) in described["responses"], response.text


# ---------------------------------------------------------------- keep-alive on a real server


@pytest.fixture
def served(rt: Runtime, tmp_path: Path) -> Iterator[int]:
    """The app under uvicorn on a loopback port, stopped after the test."""
    settings = Settings(database_url=f"sqlite:///{tmp_path}/t.db")
    with live_server(create_app(settings, runtime=rt)) as port:
        yield port


def test_a_refused_deep_body_keeps_the_connection_alive(served: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", served, timeout=10)
    deep = "[" * 100_000 + "]" * 100_000
    headers = {"Content-Type": "application/json"}

    connection.request("POST", "/v1/auth/login", body=deep, headers=headers)
    refused = connection.getresponse()
    refused.read()
    socket_before = connection.sock
    connection.request("GET", "/healthz")
    after = connection.getresponse()

    assert refused.status == 422
    assert refused.getheader("connection") != "close"
    assert (after.status, json.loads(after.read())) == (200, {"status": "ok"})
    assert connection.sock is socket_before  # the same connection answered both
    connection.close()
