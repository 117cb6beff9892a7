"""No request body takes a field it does not name (mass assignment, OWASP API3).

Why the OpenAPI document is walked rather than the models listed: the document is what every
route actually reads, nested models included, so a new route or a new nested shape is checked
the day it is added. A body model refuses unknown fields by deriving from
``saxaul.api.schemas.BodyIn`` (or ``extra="forbid"``), which the document shows as
``additionalProperties: false``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from saxaul.api.app import create_app
from saxaul.config import Settings
from saxaul.services.runtime import Runtime

from .helpers import assert_problem
from .participant_tokens import participant_headers

EXTRAS_ALLOWED = {
    # A bulk event row is read by the ingest layer, not by a model: it keeps the columns it
    # knows and ignores other keys (a sender's export may carry more), so nothing beyond the
    # documented columns is stored and no extra key can set a property.
    "EventIn",
    # A behaviour's own facts (a bill's account number, a visit's date), free-form by design:
    # only the rules of the behaviour's pack read them, and they are stored as one JSON text.
    "EventIn.attributes",
    # A methodology fragment: its schema is the pack format, checked by the pack validator
    # (which refuses what the format does not allow, `id` and `version` included), not here.
    "ScenarioIn.fragment",
    "ScenarioRevision.fragment",
}
"""Object schemas in request bodies that may take keys they do not name, and why."""


def _objects(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every object schema of every request body, named ``Model`` or ``Model.field``."""
    components = document["components"]["schemas"]

    def walk(schema: dict[str, Any], name: str) -> Iterator[tuple[str, dict[str, Any]]]:
        if "$ref" in schema:
            model = schema["$ref"].rsplit("/", 1)[1]
            yield from walk(components[model], model)
            return
        name = schema.get("title", name) if "properties" in schema else name
        for key in ("anyOf", "oneOf", "allOf"):
            for option in schema.get(key, []):
                yield from walk(option, name)
        if schema.get("type") == "object" or "properties" in schema:
            yield name, schema
        for field, child in schema.get("properties", {}).items():
            yield from walk(child, f"{name}.{field}")
        if isinstance(schema.get("items"), dict):
            yield from walk(schema["items"], name)
        if isinstance(schema.get("additionalProperties"), dict):
            yield from walk(schema["additionalProperties"], f"{name}.*")

    for path, item in document["paths"].items():
        for method, operation in item.items():
            for content in operation.get("requestBody", {}).get("content", {}).values():
                yield from walk(content["schema"], f"{method.upper()} {path}")


def test_every_request_body_refuses_fields_it_does_not_name() -> None:
    found = dict(_objects(create_app(Settings()).openapi()))
    open_ones = {name for name, schema in found.items() if schema.get("additionalProperties")}
    unstated = {name for name, schema in found.items() if "additionalProperties" not in schema}

    assert len(found) > len(EXTRAS_ALLOWED)  # the walk reached the bodies
    assert sorted(unstated - EXTRAS_ALLOWED) == [], "derive the body from BodyIn"
    assert sorted(open_ones - EXTRAS_ALLOWED) == [], "explain extras in EXTRAS_ALLOWED"
    assert sorted(EXTRAS_ALLOWED - found.keys()) == [], "EXTRAS_ALLOWED names a shape gone"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/me/trees", {"species_id": "saxaul", "owner": "p0000002"}),
        ("/v1/friends/p0000002/water", {"amount_g": 10, "from_user": "p0000002"}),
        ("/v1/me/friends/invitations", {"user_id": "p0000002", "accepted": True}),
    ],
)
def test_an_unknown_field_is_refused_naming_it(
    client: TestClient,
    rt: Runtime,
    enrol: Callable[..., None],
    path: str,
    body: dict[str, Any],
) -> None:
    enrol("p0000001", "p0000002")
    headers = participant_headers(rt, "p0000001") | {"Idempotency-Key": "k-extra-1"}
    extra = next(name for name in body if name not in ("species_id", "amount_g", "user_id"))

    response = client.post(path, headers=headers, json=body)

    assert assert_problem(response, 422, "invalid_request")["field"] == extra


def test_a_login_with_an_unknown_field_is_refused(client: TestClient) -> None:
    body = {"user_id": "p0000001", "password": "correct horse battery", "role": "operator"}

    response = client.post("/v1/auth/login", json=body)

    assert assert_problem(response, 422, "invalid_request")["field"] == "role"
