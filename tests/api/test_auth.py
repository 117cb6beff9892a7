"""Who may call what: every route is public, operator-only, participant-only, partner-only or
a capability link, and tested so; every operator route needs one permission of an operator role.

``ROUTE_KINDS`` is the one classification. A new route fails ``test_every_route_is_classified``
until its (method, path) is added there; from then on the refusal checks below cover it. Only
the liveness probe, the login, a partner's sign-up and the certificates' public key
are public; the API's own documentation pages are open too but are not endpoints
(``DOCS_PATHS``). A capability link reads no header: its path carries a signed token that is
the whole grant (a shared impact report), so a request whose token is not genuine is refused
whoever sends it.

An operator route names the permission it needs (``require_operator``); the role refusals
below are generated from ``domain.operators.ROLE_PERMISSIONS`` and the routes themselves, so
a new permission or role is covered without listing it here.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from saxaul.api.app import create_app
from saxaul.api.deps import operator_permissions
from saxaul.api.pages import PAGES
from saxaul.domain.operators import ROLE_PERMISSIONS, OperatorRole, Permission
from saxaul.domain.partners import PartnerKind
from saxaul.services import partners
from saxaul.services.api_keys import create_api_key, revoke_api_key
from saxaul.services.runtime import Runtime

from .helpers import assert_problem
from .participant_tokens import participant_headers

PUBLIC, OPERATOR, PARTICIPANT, PARTNER = "public", "operator", "participant", "partner"
CAPABILITY = "capability link"

ROUTE_KINDS: dict[tuple[str, str], str] = {
    ("GET", "/healthz"): PUBLIC,
    ("POST", "/v1/auth/login"): PUBLIC,
    ("GET", "/v1/certificates/public-key"): PUBLIC,
    ("POST", "/v1/events"): OPERATOR,
    ("GET", "/v1/quarantine"): OPERATOR,
    ("GET", "/v1/operator/report"): OPERATOR,
    ("POST", "/v1/operator/report/links"): OPERATOR,
    ("POST", "/v1/reports/shared"): CAPABILITY,
    ("GET", "/v1/methodology/packs"): OPERATOR,
    ("GET", "/v1/methodology/packs/{ref}"): OPERATOR,
    ("GET", "/v1/summary"): OPERATOR,
    ("GET", "/v1/operator/dashboard"): OPERATOR,
    ("GET", "/v1/operator/me"): OPERATOR,
    ("GET", "/v1/operator/audit"): OPERATOR,
    ("GET", "/v1/participants/{user_id}"): OPERATOR,
    ("POST", "/v1/participants/{user_id}/opt-out"): OPERATOR,
    ("POST", "/v1/participants/{user_id}/erase"): OPERATOR,
    ("POST", "/v1/jobs/retention"): OPERATOR,
    ("POST", "/v1/me/erase"): PARTICIPANT,
    ("POST", "/v1/participants/{user_id}/tokens"): OPERATOR,
    ("POST", "/v1/reversals"): OPERATOR,
    ("GET", "/metrics"): OPERATOR,
    ("POST", "/v1/auth/logout"): PARTICIPANT,
    ("GET", "/v1/me"): PARTICIPANT,
    ("GET", "/v1/me/friends"): PARTICIPANT,
    ("POST", "/v1/me/friends/invitations"): PARTICIPANT,
    ("POST", "/v1/me/friends/invitations/{inviter}/accept"): PARTICIPANT,
    ("DELETE", "/v1/me/friends/{user_id}"): PARTICIPANT,
    ("GET", "/v1/me/forest"): PARTICIPANT,
    ("GET", "/v1/me/balls/{ball_id}"): PARTICIPANT,
    ("POST", "/v1/me/balls/{ball_id}/collect"): PARTICIPANT,
    ("GET", "/v1/me/friends/forests"): PARTICIPANT,
    ("GET", "/v1/friends/{user_id}/forest"): PARTICIPANT,
    ("POST", "/v1/friends/{user_id}/balls/{ball_id}/steal"): PARTICIPANT,
    ("POST", "/v1/friends/{user_id}/water"): PARTICIPANT,
    ("POST", "/v1/me/covers"): PARTICIPANT,
    ("GET", "/v1/me/trees"): PARTICIPANT,
    ("POST", "/v1/me/trees"): PARTICIPANT,
    ("POST", "/v1/me/co-plantings"): PARTICIPANT,
    ("GET", "/v1/trees/{tree_id}"): PARTICIPANT,
    ("GET", "/v1/me/trees/{tree_id}/certificate"): PARTICIPANT,
    ("POST", "/v1/trees/{tree_id}/pool"): PARTICIPANT,
    ("POST", "/v1/trees/{tree_id}/cancel"): PARTICIPANT,
    ("GET", "/v1/me/leaderboard"): PARTICIPANT,
    ("GET", "/v1/me/ledger"): PARTICIPANT,
    ("GET", "/v1/me/statement"): PARTICIPANT,
    ("GET", "/v1/me/statement.html"): PARTICIPANT,
    ("POST", "/v1/me/statements"): PARTICIPANT,
    ("GET", "/v1/me/statements"): PARTICIPANT,
    ("GET", "/v1/me/statements/{statement_id}"): PARTICIPANT,
    ("GET", "/v1/species"): PARTICIPANT,
    ("POST", "/v1/jobs/mint-balls"): OPERATOR,
    ("POST", "/v1/jobs/expire-balls"): OPERATOR,
    ("POST", "/v1/jobs/abuse-scan"): OPERATOR,
    ("GET", "/v1/operator/abuse/flags"): OPERATOR,
    ("POST", "/v1/operator/abuse/flags/{flag_id}/decision"): OPERATOR,
    ("GET", "/v1/ledger/audit"): OPERATOR,
    ("POST", "/v1/partners"): PUBLIC,
    ("GET", "/v1/partner"): PARTNER,
    ("GET", "/v1/partner/members"): PARTNER,
    ("POST", "/v1/partner/members"): PARTNER,
    ("DELETE", "/v1/partner/members/{member_id}"): PARTNER,
    ("GET", "/v1/partner/keys"): PARTNER,
    ("POST", "/v1/partner/keys"): PARTNER,
    ("POST", "/v1/partner/keys/{key_id}/rotate"): PARTNER,
    ("DELETE", "/v1/partner/keys/{key_id}"): PARTNER,
    ("GET", "/v1/operator/partners"): OPERATOR,
    ("POST", "/v1/operator/partners"): OPERATOR,
    ("GET", "/v1/operator/partners/{partner_id}"): OPERATOR,
    ("POST", "/v1/operator/partners/{partner_id}/approve"): OPERATOR,
    ("POST", "/v1/operator/partners/{partner_id}/suspend"): OPERATOR,
    # partner routes: isolation between partners is tests/api/partner/test_isolation.py's
    ("GET", "/v1/operator/projects"): OPERATOR,
    ("GET", "/v1/operator/scenarios"): OPERATOR,
    ("GET", "/v1/partner/projects"): PARTNER,
    ("GET", "/v1/partner/projects/{project_id}"): PARTNER,
    ("GET", "/v1/partner/scenarios"): PARTNER,
    ("GET", "/v1/partner/scenarios/{scenario_id}"): PARTNER,
    ("GET", "/v1/partner/scenarios/{scenario_id}/impact"): PARTNER,
    ("PATCH", "/v1/partner/projects/{project_id}"): PARTNER,
    ("POST", "/v1/operator/scenarios/{scenario_id}/approve"): OPERATOR,
    ("POST", "/v1/operator/scenarios/{scenario_id}/reject"): OPERATOR,
    ("POST", "/v1/partner/projects"): PARTNER,
    ("POST", "/v1/partner/scenarios"): PARTNER,
    ("POST", "/v1/partner/scenarios/{scenario_id}/events"): PARTNER,
    ("POST", "/v1/partner/scenarios/{scenario_id}/sandbox"): PARTNER,
    ("POST", "/v1/partner/scenarios/{scenario_id}/submit"): PARTNER,
    ("PUT", "/v1/partner/scenarios/{scenario_id}"): PARTNER,
    ("POST", "/v1/partner/webhooks"): PARTNER,
    ("GET", "/v1/partner/webhooks"): PARTNER,
    ("GET", "/v1/partner/webhooks/{subscription_id}"): PARTNER,
    ("DELETE", "/v1/partner/webhooks/{subscription_id}"): PARTNER,
    ("POST", "/v1/partner/webhooks/{subscription_id}/rotate-secret"): PARTNER,
    ("GET", "/v1/partner/webhooks/{subscription_id}/deliveries"): PARTNER,
    ("POST", "/v1/partner/webhooks/{subscription_id}/deliveries/{delivery_id}/replay"): PARTNER,
    ("POST", "/v1/partner/webhooks/{subscription_id}/test"): PARTNER,
    ("POST", "/v1/operator/orders"): OPERATOR,
    ("POST", "/v1/operator/trees/{tree_id}/reopen"): OPERATOR,
    ("GET", "/v1/operator/trees/pipeline"): OPERATOR,
    ("GET", "/v1/partner/orders"): PARTNER,
    ("GET", "/v1/partner/orders/{order_id}"): PARTNER,
    ("POST", "/v1/partner/orders/{order_id}/accept"): PARTNER,
    ("POST", "/v1/partner/orders/{order_id}/decline"): PARTNER,
    ("POST", "/v1/partner/orders/{order_id}/evidence"): PARTNER,
    ("GET", "/v1/partner/orders/{order_id}/evidence"): PARTNER,
    ("GET", "/v1/partner/pipeline"): PARTNER,
}
"""Every (method, path template) of the API and who may call it. Add new routes here."""

OWNERSHIP_TESTS: dict[tuple[str, str], tuple[str, ...]] = {
    ("POST", "/v1/me/friends/invitations/{inviter}/accept"): (
        "test_friends.test_nobody_accepts_an_invitation_for_someone_else",
    ),
    ("DELETE", "/v1/me/friends/{user_id}"): ("test_friends.test_removing_a_stranger_is_404",),
    ("GET", "/v1/me/balls/{ball_id}"): (
        "game.test_ball_story.test_nobody_reads_the_story_of_another_players_ball",
    ),
    ("POST", "/v1/me/balls/{ball_id}/collect"): (
        "game.test_collecting_and_stealing.test_nobody_collects_another_players_ball",
    ),
    ("GET", "/v1/friends/{user_id}/forest"): (
        "game.test_collecting_and_stealing.test_nobody_steals_or_looks_without_friendship",
    ),
    ("POST", "/v1/friends/{user_id}/balls/{ball_id}/steal"): (
        "game.test_collecting_and_stealing.test_nobody_steals_or_looks_without_friendship",
        "game.test_collecting_and_stealing.test_a_ball_must_belong_to_the_friend_named_in_the_path",
    ),
    ("POST", "/v1/friends/{user_id}/water"): (
        "game.test_watering_and_planting.test_watering_refusals",
    ),
    ("GET", "/v1/trees/{tree_id}"): (
        "game.test_watering_and_planting.test_nobody_reads_a_tree_they_do_not_plant",
    ),
    ("GET", "/v1/me/trees/{tree_id}/certificate"): (
        "game.test_certificates.test_nobody_gets_the_certificate_of_a_tree_they_do_not_plant",
    ),
    ("GET", "/v1/me/statements/{statement_id}"): (
        "game.test_statements.test_nobody_reads_a_statement_someone_else_brought",
    ),
    ("POST", "/v1/trees/{tree_id}/pool"): (
        "game.test_watering_and_planting.test_nobody_pools_into_or_cancels_a_tree_they_do_not_plant",
    ),
    ("POST", "/v1/trees/{tree_id}/cancel"): (
        "game.test_watering_and_planting.test_nobody_pools_into_or_cancels_a_tree_they_do_not_plant",
        "game.test_watering_and_planting.test_co_planting_pooling_and_cancelling",
    ),
}
"""For each participant route whose path names a resource (a ball, a friend, a tree): the tests
(``module.function`` under ``tests/api``) proving a participant cannot reach someone else's."""

DOCS_PATHS = frozenset({"/openapi.json", "/docs"})
SECURITY = {
    OPERATOR: [{"HTTPBearer": []}],
    PARTICIPANT: [{"ParticipantToken": []}],
    PARTNER: [{"PartnerKey": []}],
}
"""The OpenAPI security requirement each kind of route must declare."""
NO_CREDENTIALS = frozenset(
    {
        ("GET", "/healthz"),
        ("POST", "/v1/partners"),
        ("GET", "/v1/certificates/public-key"),
        ("POST", "/v1/reports/shared"),
    }
)
"""Routes that read no credential header, so they never answer 401 (the login does); a
capability link refuses a token that is not genuine with its own 404."""
CAPABILITY_REFUSALS = {("POST", "/v1/reports/shared"): (404, "report_link_invalid")}
"""How each capability link refuses a token that is not genuine."""


def _routes() -> set[tuple[str, str]]:
    """(method, path template) of every route of a fresh app but the documentation pages."""
    app = create_app()  # building the app touches nothing: the runtime comes in the lifespan
    routes = set()
    for route in iter_route_contexts(app.routes):  # included routers, flattened
        path = route.path or ""
        if path in DOCS_PATHS or path in PAGES:  # static page shells: tests/api/test_pages.py
            continue
        assert route.methods, f"route {path!r} answers no HTTP method"
        routes |= {(method, path) for method in route.methods}
    return routes


def _permissions() -> dict[tuple[str, str], list[Permission]]:
    """The permissions each route of a fresh app requires of an operator key."""
    return {
        (method, route.path or ""): operator_permissions(route)
        for route in iter_route_contexts(create_app().routes)
        if route.path not in DOCS_PATHS and route.path not in PAGES
        for method in route.methods or ()
    }


def _first_route_needing() -> dict[Permission, tuple[str, str]]:
    """For each permission, the first (method, concrete path) of a route that needs it."""
    routes: dict[Permission, tuple[str, str]] = {}
    for (method, path), needed in sorted(_permissions().items()):
        for permission in needed:
            routes.setdefault(permission, (method, _filled(path)))
    return routes


def _requests(kind: str) -> list[tuple[str, str]]:
    """(method, concrete path) of every route of ``kind``, path parameters filled with ``x``."""
    return sorted(
        (method, _filled(path))
        for (method, path), route_kind in ROUTE_KINDS.items()
        if route_kind == kind
    )


def _filled(template: str) -> str:
    """A concrete path of a route template, every parameter ``x``."""
    return re.sub(r"\{[^}]+\}", "x", template)


@pytest.fixture
def participant(rt: Runtime, enrol: Callable[..., None]) -> dict[str, str]:
    """Headers carrying a valid participant token."""
    enrol("p0000001")
    return participant_headers(rt, "p0000001")


def test_every_route_is_classified() -> None:
    routes = _routes()

    assert sorted(routes - ROUTE_KINDS.keys()) == [], "classify new routes in ROUTE_KINDS"
    assert sorted(ROUTE_KINDS.keys() - routes) == [], "ROUTE_KINDS names routes that are gone"


def test_every_operator_route_declares_one_permission_and_no_other_route_any() -> None:
    declared = _permissions()

    for route, kind in ROUTE_KINDS.items():
        expected = 1 if kind == OPERATOR else 0
        assert len(declared[route]) == expected, f"{route}: require_operator(Permission.…)"
    assert {p for needed in declared.values() for p in needed} == set(Permission), (
        "a permission no route needs"
    )


@pytest.mark.parametrize("role", list(OperatorRole))
def test_every_role_is_refused_each_permission_it_lacks(
    client: TestClient, rt: Runtime, role: OperatorRole
) -> None:
    headers = {"Authorization": f"Bearer {create_api_key(rt, f'role-{role}', role)}"}
    assert client.get("/v1/operator/me", headers=headers).json()["role"] == role
    lacking = sorted(set(Permission) - ROLE_PERMISSIONS[role])
    assert lacking or role == OperatorRole.ADMIN

    routes = _first_route_needing()
    for permission in lacking:
        method, path = routes[permission]
        response = client.request(method, path, headers=headers)
        body = assert_problem(response, 403, "forbidden_role")
        assert body["permission"] == permission and body["role"] == role, (method, path)
        assert permission in body["detail"] and permission in body["detail_zh"], body


@pytest.mark.parametrize("role", list(OperatorRole))
def test_every_role_reaches_every_route_of_its_permissions(
    client: TestClient, rt: Runtime, role: OperatorRole
) -> None:
    headers = {"Authorization": f"Bearer {create_api_key(rt, f'role-{role}', role)}"}

    for (method, path), needed in sorted(_permissions().items()):
        if needed and set(needed) <= ROLE_PERMISSIONS[role]:
            response = client.request(method, _filled(path), headers=headers)
            assert response.status_code not in (401, 403), (method, path, response.text)


def test_every_participant_route_naming_a_resource_has_an_ownership_test() -> None:
    named = {
        route for route, kind in ROUTE_KINDS.items() if kind == PARTICIPANT and "{" in route[1]
    }

    assert sorted(named - OWNERSHIP_TESTS.keys()) == [], "list its refusal test in OWNERSHIP_TESTS"
    assert sorted(OWNERSHIP_TESTS.keys() - named) == [], "OWNERSHIP_TESTS names other routes"
    for route, tests in OWNERSHIP_TESTS.items():
        for name in tests:
            module, _, function = name.rpartition(".")
            found = getattr(importlib.import_module(f"tests.api.{module}"), function, None)
            assert callable(found) and function.startswith("test_"), f"{route}: no test {name}"


def test_only_the_probe_the_login_the_sign_up_and_the_certificate_key_are_public() -> None:
    public = {route for route, kind in ROUTE_KINDS.items() if kind == PUBLIC}

    assert public == {
        ("GET", "/healthz"),
        ("POST", "/v1/auth/login"),
        ("POST", "/v1/partners"),
        ("GET", "/v1/certificates/public-key"),
    }
    assert set(ROUTE_KINDS.values()) == {PUBLIC, OPERATOR, PARTICIPANT, PARTNER, CAPABILITY}


def test_every_capability_link_says_how_it_refuses() -> None:
    links = {route for route, kind in ROUTE_KINDS.items() if kind == CAPABILITY}

    assert links == set(CAPABILITY_REFUSALS) and links <= NO_CREDENTIALS


@pytest.mark.parametrize(("route", "refusal"), sorted(CAPABILITY_REFUSALS.items()))
def test_capability_links_refuse_a_made_up_token_whatever_credentials_come_with_it(
    client: TestClient,
    auth: dict[str, str],
    participant: dict[str, str],
    route: tuple[str, str],
    refusal: tuple[int, str],
) -> None:
    method, path = route[0], _filled(route[1])

    for headers in ({}, auth, participant):
        made_up = client.request(method, path, headers=headers, data={"token": "x" * 40})
        assert_problem(made_up, *refusal)


@pytest.mark.parametrize(
    ("method", "path"), _requests(OPERATOR) + _requests(PARTICIPANT) + _requests(PARTNER)
)
def test_every_protected_route_refuses_an_anonymous_request(
    client: TestClient, method: str, path: str
) -> None:
    response = client.request(method, path)

    assert_problem(response, 401, "unauthorised")
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(("method", "path"), _requests(OPERATOR))
def test_operator_routes_refuse_a_participant_token(
    client: TestClient, participant: dict[str, str], method: str, path: str
) -> None:
    assert client.get("/v1/me", headers=participant).status_code == 200

    assert_problem(client.request(method, path, headers=participant), 401, "unauthorised")


@pytest.mark.parametrize(("method", "path"), _requests(PARTICIPANT))
def test_participant_routes_refuse_an_operator_key(
    client: TestClient, auth: dict[str, str], method: str, path: str
) -> None:
    assert client.get("/v1/summary", headers=auth).status_code == 200

    response = client.request(method, path, headers=auth)

    body = assert_problem(response, 401, "unauthorised")
    assert "log in" in body["detail"] and body["detail_zh"]


@pytest.fixture
def partner(rt: Runtime) -> dict[str, str]:
    """Headers carrying a valid (sandbox) partner key."""
    application = partners.Application(
        "auth-test", "Auth Test", None, PartnerKind.NGO, "owner@auth-test.example", "Owner"
    )
    _, key = partners.signup(rt, application)
    return {"Authorization": f"Bearer {key.secret}"}


@pytest.mark.parametrize(("method", "path"), _requests(PARTNER))
def test_partner_routes_refuse_operator_keys_and_participant_tokens(
    client: TestClient,
    auth: dict[str, str],
    participant: dict[str, str],
    partner: dict[str, str],
    method: str,
    path: str,
) -> None:
    assert client.get("/v1/partner", headers=partner).status_code == 200

    for headers in (auth, participant):
        body = assert_problem(client.request(method, path, headers=headers), 401, "unauthorised")
        assert "sxp_" in body["detail"]


@pytest.mark.parametrize(("method", "path"), _requests(OPERATOR))
def test_operator_routes_refuse_a_partner_key(
    client: TestClient, partner: dict[str, str], method: str, path: str
) -> None:
    assert_problem(client.request(method, path, headers=partner), 401, "unauthorised")


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


@pytest.mark.parametrize(
    "authorization",
    ["Bearer sxs_not-a-real-token", f"Bearer sxs_{'x' * 125}", "Basic dXNlcjpwYXNz", "Bearer"],
)
def test_a_bad_participant_token_is_refused(client: TestClient, authorization: str) -> None:
    response = client.get("/v1/me", headers={"Authorization": authorization})

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
            kind = ROUTE_KINDS[(method.upper(), path)]
            errors = {s: r for s, r in operation["responses"].items() if s[0] in "45"}
            if (method.upper(), path) not in NO_CREDENTIALS:
                assert "401" in errors, f"{method} {path} does not document 401"
            if kind == OPERATOR:
                assert "forbidden_role" in errors["403"]["description"], f"{method} {path}"
                assert "Needs an operator key whose role holds" in operation["description"]
            assert operation.get("security") == SECURITY.get(kind), f"{method} {path}"
            for status, response in errors.items():
                assert list(response["content"]) == ["application/problem+json"], (
                    f"{method} {path} {status}"
                )
