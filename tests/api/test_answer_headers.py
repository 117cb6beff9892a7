"""Every answer of the API carries the security headers, once: public, operator, participant,
partner and capability routes, refusals of every kind, and the pages with their own.

Why each answer kind is asked for: the headers are added by one middleware (``api/answer_headers``)
around everything, so what could go wrong is an answer that bypasses it (a refusal sent before
routing, an error handler) or a header sent twice (the pages set their own).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from saxaul.api.answer_headers import HEADERS
from saxaul.api.app import create_app
from saxaul.api.pages import HEADERS as PAGE_HEADERS
from saxaul.config import Settings
from saxaul.domain.partners import PartnerKind
from saxaul.services import partners
from saxaul.services.participant_auth import set_password
from saxaul.services.runtime import Runtime

from .helpers import assert_problem
from .test_auth import OPERATOR, PARTICIPANT, PARTNER, _requests

Headers = dict[str, str]
PASSWORD = "correct horse battery"


def _assert_secured(response: Response, expected: dict[str, str] = HEADERS) -> None:
    for name, value in expected.items():
        assert response.headers.get_list(name) == [value], (response.request.url, name)


@pytest.fixture
def callers(rt: Runtime, enrol: Callable[..., None], auth: Headers) -> dict[str, Headers]:
    """Headers of a logged-in participant's password, an operator key and a partner key."""
    enrol("p0000001")
    set_password(rt, "p0000001", PASSWORD)
    application = partners.Application(
        "headers-test", "Headers Test", None, PartnerKind.NGO, "owner@headers.example", "Owner"
    )
    _, key = partners.signup(rt, application)
    return {"operator": auth, "partner": {"Authorization": f"Bearer {key.secret}"}}


def test_answers_of_every_kind_of_route_carry_the_headers(
    client: TestClient, callers: dict[str, Headers]
) -> None:
    login = client.post("/v1/auth/login", json={"user_id": "p0000001", "password": PASSWORD})
    participant = {"Authorization": f"Bearer {login.json()['token']}"}
    answers = [
        login,
        client.get("/healthz"),
        client.get("/v1/certificates/public-key"),
        client.get("/openapi.json"),
        client.get("/v1/summary", headers=callers["operator"]),
        client.get("/v1/me/forest", headers=participant),
        client.get("/v1/me/ledger", headers=participant),
        client.get("/v1/partner", headers=callers["partner"]),
    ]

    assert [answer.status_code for answer in answers] == [200] * len(answers)
    for answer in answers:
        _assert_secured(answer)


@pytest.mark.parametrize(
    ("method", "path"), _requests(OPERATOR) + _requests(PARTICIPANT) + _requests(PARTNER)
)
def test_every_401_carries_the_headers(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path)

    assert response.status_code == 401
    _assert_secured(response)


def test_refusals_before_and_after_routing_carry_the_headers(
    client: TestClient, settings: Settings, callers: dict[str, Headers]
) -> None:
    operator = callers["operator"]
    answers = {
        404: client.get("/v1/nothing-here"),
        405: client.put("/healthz"),
        413: client.post("/v1/auth/login", content=b" " * (settings.http_max_json_bytes + 1)),
        422: client.get("/v1/quarantine?limit=0", headers=operator),
    }
    guarded = client.get("/v1/trees/a%00b")  # refused by the request guard, before routing
    link = client.post("/v1/reports/shared", data={"token": "made-up"})  # a capability link: 404

    assert {status: answer.status_code for status, answer in answers.items()} == {
        status: status for status in answers
    }
    assert (guarded.status_code, link.status_code) == (422, 404)
    for answer in [*answers.values(), guarded, link]:
        _assert_secured(answer)


def test_a_server_error_carries_the_headers_too(settings: Settings, rt: Runtime) -> None:
    app = create_app(settings, runtime=rt)

    @app.get("/v1/test-only/bug")
    def bug() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/v1/test-only/bug")

    assert_problem(response, 500, "internal_error")
    _assert_secured(response)


def test_pages_keep_their_own_headers_once(client: TestClient) -> None:
    response = client.get("/app/")

    assert response.status_code == 200
    _assert_secured(response, PAGE_HEADERS)
