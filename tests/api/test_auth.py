"""Who may call what: every route but the liveness probe and the docs needs an operator key."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from saxaul.api.app import create_app
from saxaul.services.api_keys import create_api_key, revoke_api_key
from saxaul.services.runtime import Runtime

from .helpers import assert_problem

OPEN_PATHS = frozenset({"/healthz", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})


def _protected_requests() -> list[tuple[str, str]]:
    """(method, path) of every route of a fresh app except the open ones, params filled in."""
    app = create_app()  # building the app touches nothing: the runtime comes in the lifespan
    requests = []
    for route in iter_route_contexts(app.routes):  # included routers, flattened
        path = route.path or ""
        if path in OPEN_PATHS:
            continue
        assert route.methods, f"route {path!r} answers no HTTP method"
        concrete = re.sub(r"\{[^}]+\}", "x", path)
        requests += [(method, concrete) for method in sorted(route.methods)]
    return requests


PROTECTED = _protected_requests()


def test_the_matrix_covers_every_endpoint() -> None:
    paths = {path for _, path in PROTECTED}
    assert {
        "/v1/events",
        "/v1/quarantine",
        "/v1/methodology/packs",
        "/v1/methodology/packs/x",
        "/v1/summary",
        "/v1/participants/x/opt-out",
        "/metrics",
    } <= paths


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_every_route_refuses_an_anonymous_request(
    client: TestClient, method: str, path: str
) -> None:
    response = client.request(method, path)

    assert_problem(response, 401, "unauthorised")
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer sxk_not-a-real-key",
        "Bearer something-else",
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "sxk_without_scheme",
    ],
)
def test_a_bad_key_is_refused(client: TestClient, authorization: str) -> None:
    response = client.get("/v1/summary", headers={"Authorization": authorization})

    assert_problem(response, 401, "unauthorised")
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_revoked_key_is_refused(client: TestClient, rt: Runtime) -> None:
    secret = create_api_key(rt, "short-lived")
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/v1/summary", headers=headers).status_code == 200

    revoke_api_key(rt, "short-lived")

    assert_problem(client.get("/v1/summary", headers=headers), 401, "unauthorised")


def test_healthz_is_open_and_says_nothing_else(client: TestClient) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_an_unknown_path_is_a_problem_too(client: TestClient) -> None:
    assert_problem(client.get("/v1/nothing-here"), 404, "not_found")


def test_openapi_documents_every_error_as_problem_json(client: TestClient) -> None:
    document = client.get("/openapi.json").json()

    assert document["info"]["title"] == "Saxaul"
    assert "Problem" in document["components"]["schemas"]
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            errors = {s: r for s, r in operation["responses"].items() if s[0] in "45"}
            if path != "/healthz":
                assert "401" in errors, f"{method} {path} does not document 401"
                assert operation["security"] == [{"HTTPBearer": []}]
            for status, response in errors.items():
                assert list(response["content"]) == ["application/problem+json"], (
                    f"{method} {path} {status}"
                )
