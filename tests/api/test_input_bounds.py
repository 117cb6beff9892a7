"""No HTTP input reaches the store or a parser unbounded: every refusal is a 4xx problem.

Text with NUL (PostgreSQL cannot store it) or an unpaired surrogate, integers beyond their
column, bodies too large or nested too deep are refused at the door (``api/guard.py``) or by the
schema, on both stores, with the field and the limit named. Bulk event bodies are the exception:
their bad rows are quarantined while the good rows proceed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from saxaul.api.app import create_app
from saxaul.api.deps import reads_upload
from saxaul.config import Settings
from saxaul.services.runtime import Runtime

from .conftest import BOTH_STORES
from .helpers import assert_problem, ride
from .participant_tokens import participant_headers

Headers = dict[str, str]
DEFAULTS = Settings()


@pytest.fixture
def me(rt: Runtime, enrol: Any) -> Headers:
    enrol("u1", "u2")
    return participant_headers(rt, "u1")


def _errors(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(error["field"], error["location"]) for error in body["errors"]]


# ---------------------------------------------------------------- A: text the store can keep


@BOTH_STORES
@pytest.mark.parametrize("text", ["a\u0000b", "\ud800"], ids=["nul", "lone-surrogate"])
def test_unstorable_text_in_a_login_is_refused_naming_the_field(
    client: TestClient, text: str
) -> None:
    body = json.dumps({"user_id": text, "password": "correct horse"})

    response = client.post(
        "/v1/auth/login", content=body, headers={"Content-Type": "application/json"}
    )

    problem = assert_problem(response, 422, "invalid_request")
    assert problem["field"] == "user_id"
    assert _errors(problem) == [("user_id", "body")]


@BOTH_STORES
def test_nul_anywhere_in_a_json_body_is_refused(client: TestClient, me: Headers) -> None:
    invite = client.post("/v1/me/friends/invitations", json={"user_id": "u\u00002"}, headers=me)
    co_plant = client.post(
        "/v1/me/co-plantings",
        json={"species_id": "saxaul", "friends": ["u2", "x\u0000"]},
        headers={**me, "Idempotency-Key": "k"},
    )

    assert assert_problem(invite, 422, "invalid_request")["field"] == "user_id"
    assert assert_problem(co_plant, 422, "invalid_request")["field"] == "friends.1"


@pytest.mark.parametrize(
    "escaped",
    ["\\uD800", "\\udfff", "\\u0000", "a\\\\\\u0000"],
    ids=["upper-surrogate", "lower-surrogate", "nul", "nul-after-a-backslash"],
)
def test_every_spelling_of_an_unstorable_escape_is_refused(
    client: TestClient, escaped: str
) -> None:
    body = '{"user_id": "' + escaped + '", "password": "correct horse"}'

    response = client.post(
        "/v1/auth/login", content=body, headers={"Content-Type": "application/json"}
    )

    assert assert_problem(response, 422, "invalid_request")["field"] == "user_id"


@pytest.mark.parametrize(
    "escaped", ["\\ud83c\\udf33", "\\\\u0000"], ids=["paired-surrogates", "escaped-backslash"]
)
def test_escapes_that_spell_storable_text_pass_the_door(client: TestClient, escaped: str) -> None:
    body = '{"user_id": "' + escaped + '", "password": "correct horse"}'

    response = client.post(
        "/v1/auth/login", content=body, headers={"Content-Type": "application/json"}
    )

    assert_problem(response, 401, "unauthorised")


def test_a_chunked_body_without_a_length_is_checked_too(client: TestClient) -> None:
    body = json.dumps({"user_id": "a\u0000b", "password": "correct horse"}).encode()

    response = client.post(
        "/v1/auth/login", content=iter([body]), headers={"Content-Type": "application/json"}
    )

    assert assert_problem(response, 422, "invalid_request")["field"] == "user_id"


@BOTH_STORES
def test_nul_in_a_path_or_query_parameter_is_refused(
    client: TestClient, me: Headers, auth: Headers
) -> None:
    tree = client.get("/v1/trees/a%00b", headers=me)
    opt_out = client.post("/v1/participants/u%001/opt-out", headers=auth)
    query = client.get("/v1/me/ledger?limit=5&note=%00", headers=me)

    assert _errors(assert_problem(tree, 422, "invalid_request")) == [("tree_id", "path")]
    assert _errors(assert_problem(opt_out, 422, "invalid_request")) == [("user_id", "path")]
    assert _errors(assert_problem(query, 422, "invalid_request")) == [("note", "query")]


def test_a_bulk_row_with_nul_is_quarantined_while_good_rows_proceed(
    client: TestClient, auth: Headers, enrol: Any
) -> None:
    """The door leaves bulk bodies to the ingest layer, which refuses rows, not requests."""
    enrol("p0000001")
    rows = [ride("good"), ride("bad", user_id="p\u00001")]

    response = client.post("/v1/events", json=rows, headers=auth)

    assert response.status_code == 200, response.text
    assert (response.json()["new_events"], response.json()["rejected"]) == (1, 1)


# ---------------------------------------------------------------- B: integers within the column


def test_a_bulk_amount_beyond_64_bits_is_a_rejected_row(
    client: TestClient, auth: Headers, enrol: Any
) -> None:
    enrol("p0000001")
    rows = [ride("good"), ride("huge", amount_minor=2**63, currency="CNY")]

    response = client.post("/v1/events", json=rows, headers=auth)

    assert response.status_code == 200, response.text
    (rejection,) = response.json()["rejections"]
    assert (rejection["field"], rejection["code"]) == ("amount_minor", "invalid_value")
    assert str(2**63 - 1) in rejection["reason"]


@BOTH_STORES
@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v1/quarantine", {"after_id": 2**63}),
        ("/v1/quarantine", {"after_id": 2**31}),
        ("/v1/quarantine", {"import_id": 2**31}),
    ],
)
def test_an_id_beyond_its_column_is_refused(
    client: TestClient, auth: Headers, path: str, params: dict[str, int]
) -> None:
    response = client.get(path, params=params, headers=auth)

    (name,) = params
    assert assert_problem(response, 422, "invalid_request")["field"] == name


@BOTH_STORES
def test_a_ledger_page_beyond_the_sequence_is_refused(client: TestClient, me: Headers) -> None:
    response = client.get("/v1/me/ledger", params={"before": 2**63}, headers=me)

    assert assert_problem(response, 422, "invalid_request")["field"] == "before"


def _client_schemas(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every typed schema a client sends (parameters, request body fields), named
    ``"{method} {path} {parameter or media type}{.field|[]…}"``."""
    components = document["components"]["schemas"]

    def walk(schema: dict[str, Any], where: str) -> Iterator[tuple[str, dict[str, Any]]]:
        if "$ref" in schema:
            yield from walk(components[schema["$ref"].rsplit("/", 1)[1]], where)
            return
        for key in ("anyOf", "oneOf", "allOf"):
            for n, option in enumerate(schema.get(key, [])):
                yield from walk(option, f"{where}|{n}")
        if "type" in schema:
            yield where, schema
        for name, child in schema.get("properties", {}).items():
            yield from walk(child, f"{where}.{name}")
        if isinstance(schema.get("items"), dict):
            yield from walk(schema["items"], f"{where}[]")

    for path, item in document["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                yield from walk(parameter["schema"], f"{method} {path} {parameter['name']}")
            for media, content in operation.get("requestBody", {}).get("content", {}).items():
                yield from walk(content["schema"], f"{method} {path} {media}")


def test_every_limit_is_in_the_openapi_document() -> None:
    document = create_app(Settings()).openapi()
    unbounded = []
    for where, schema in _client_schemas(document):
        bounded_integer = "enum" in schema or {"minimum", "maximum"} <= schema.keys()
        if schema["type"] == "integer" and not bounded_integer:
            unbounded.append(where)
        bounded_text = {"maxLength", "enum", "const", "format"} & schema.keys()
        if schema["type"] == "string" and not bounded_text:
            unbounded.append(where)

    assert unbounded == []


PAGE_SIZES = frozenset({"limit", "page_size", "per_page", "size", "count", "days"})
"""Names a query parameter saying how many items (or days of items) to answer may have."""


def test_every_page_size_has_a_default_and_a_maximum() -> None:
    document = create_app(Settings()).openapi()
    sizes = {
        f"{method} {path} {parameter['name']}": parameter
        for path, item in document["paths"].items()
        for method, operation in item.items()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query" and parameter["name"] in PAGE_SIZES
    }
    unbounded = [
        where
        for where, parameter in sizes.items()
        if parameter.get("required")
        or not parameter["schema"].get("minimum", 0) >= 1
        or not parameter["schema"].get("default", 0) <= parameter["schema"].get("maximum", 0)
    ]

    assert "get /v1/me/ledger limit" in sizes and "get /v1/operator/dashboard days" in sizes
    assert {  # the lists an owner grows: paged too
        f"get {path} limit"
        for path in (
            "/v1/partner/keys",
            "/v1/partner/members",
            "/v1/partner/webhooks",
            "/v1/partner/scenarios",
            "/v1/me/friends",
            "/v1/me/trees",
        )
    } <= set(sizes)
    assert unbounded == [], "give each page size a minimum of 1, a default and a maximum"


def test_every_list_a_client_sends_has_a_maximum() -> None:
    app = create_app(Settings())
    bulk = {  # bounded in bytes, and read row by row by the ingest layer (module docstring)
        f"{method.lower()} {route.path} "
        for route in iter_route_contexts(app.routes)
        if hasattr(route, "dependant") and reads_upload(route)
        for method in route.methods or ()
    }
    unbounded = [
        where
        for where, schema in _client_schemas(app.openapi())
        if schema["type"] == "array"
        and "maxItems" not in schema
        and not where.startswith(tuple(bulk))
    ]

    assert bulk and unbounded == []


# ---------------------------------------------------------------- C: bounded bodies


@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_a_deeply_nested_body_is_refused_naming_the_limit(
    client: TestClient, me: Headers, opening: str
) -> None:
    closing = "]" if opening == "[" else "}"
    deep = '{"user_id":' + opening * 100_000 + "1" + closing * 100_000 + "}"

    response = client.post(
        "/v1/me/friends/invitations",
        content=deep,
        headers={**me, "Content-Type": "application/json"},
    )

    problem = assert_problem(response, 422, "invalid_request")
    assert problem["max_depth"] == DEFAULTS.http_max_json_depth
    assert f"deeper than {DEFAULTS.http_max_json_depth} levels" in problem["detail"]


def test_an_unclosed_deep_body_is_refused_too(client: TestClient, me: Headers) -> None:
    response = client.post(
        "/v1/me/friends/invitations",
        content="[" * 100_000,
        headers={**me, "Content-Type": "application/json"},
    )

    assert assert_problem(response, 422, "invalid_request")["max_depth"]


def test_a_body_that_is_not_json_is_422_not_400(client: TestClient, me: Headers) -> None:
    for content in (b'{"user_id": ', b"\xff\xfe"):
        response = client.post(
            "/v1/me/friends/invitations",
            content=content,
            headers={**me, "Content-Type": "application/json"},
        )
        assert assert_problem(response, 422, "invalid_request")["field"] == "body"


def test_a_ten_megabyte_string_is_refused_naming_the_limit(client: TestClient) -> None:
    huge = {"user_id": "u1", "password": "x" * 10_000_000}

    response = client.post("/v1/auth/login", json=huge)

    problem = assert_problem(response, 413, "request_too_large")
    assert problem["max_bytes"] == DEFAULTS.http_max_json_bytes
    assert str(DEFAULTS.http_max_json_bytes) in problem["detail"]


def test_the_body_limit_is_the_setting(rt: Runtime, tmp_path: Any) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/t.db", http_max_json_bytes=2048)
    with TestClient(create_app(settings, runtime=rt)) as client:
        response = client.post("/v1/auth/login", json={"user_id": "u1", "password": "x" * 2048})

    assert assert_problem(response, 413, "request_too_large")["max_bytes"] == 2048


# ---------------------------------------------------------------- D: strict and exact


@pytest.mark.parametrize(
    ("path", "payload"),
    [
        ("/v1/me/covers", {"hours": "24"}),
        ("/v1/friends/u2/water", {"amount_g": "10"}),
        ("/v1/trees/t1/pool", {"amount_g": "10"}),
        ("/v1/friends/u2/water", {"amount_g": 10.0}),
    ],
)
def test_energy_and_amounts_must_be_json_integers(
    client: TestClient, me: Headers, path: str, payload: dict[str, Any]
) -> None:
    response = client.post(path, json=payload, headers={**me, "Idempotency-Key": "k"})

    (name,) = payload
    assert assert_problem(response, 422, "invalid_request")["field"] == name


def test_a_reversal_time_must_be_text(client: TestClient, auth: Headers) -> None:
    item = {
        "source": "wallet",
        "event_id": "r1",
        "original_event_id": "p1",
        "reason": "refund",
        "occurred_at": 0,
    }

    response = client.post("/v1/reversals", json=[item], headers=auth)

    assert assert_problem(response, 422, "invalid_request")["field"] == "0.occurred_at"


def test_allow_lists_every_method_of_the_path(client: TestClient) -> None:
    for method in ("OPTIONS", "PUT", "DELETE"):
        response = client.request(method, "/v1/me/trees")
        assert_problem(response, 405, "method_not_allowed")
        assert response.headers["allow"] == "GET, POST"
