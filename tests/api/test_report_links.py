"""Share links: an operator makes one, a browser opens the report page with it and no header,
until it expires; a link changed in any part opens nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from saxaul.api.pages import HEADERS
from saxaul.config import Settings
from saxaul.services.runtime import Runtime
from tests.conftest import FakeClock
from tests.integration.test_impact_report import world

from .conftest import BOTH_STORES
from .helpers import assert_problem
from .participant_tokens import participant_headers

PERIOD = {"from": "2026-10-01", "to": "2026-11-30"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """k = 2, as the impact report's API tests, so the small world shows figures."""
    return settings.model_copy(update={"report_min_cell": 2})


def _link(client: TestClient, auth: dict[str, str], **body: Any) -> dict[str, Any]:
    answer = client.post("/v1/operator/report/links", json=PERIOD | body, headers=auth)
    assert answer.status_code == 201, answer.text
    link: dict[str, Any] = answer.json()
    return link


def _token(link: dict[str, Any]) -> str:
    """The token a link carries: the fragment of its path, which a browser never sends."""
    page, _, token = link["path"].partition("#")
    assert page == "/report/" and token
    return token


def _open(client: TestClient, token: str) -> Any:
    """What the link's page does with the fragment: post it as a form field."""
    return client.post("/v1/reports/shared", data={"token": token})


@BOTH_STORES
def test_a_link_opens_the_page_the_operator_sees_without_a_header(
    rt: Runtime, client: TestClient, auth: dict[str, str], tmp_path: Path, clock: FakeClock
) -> None:
    world(rt, tmp_path, clock)

    link = _link(client, auth, lang="en")
    made_at = clock.now()
    opened = _open(client, _token(link))
    operator_page = client.get(
        "/v1/operator/report?from=2026-10-01&to=2026-11-30&format=html&lang=en", headers=auth
    )

    assert opened.status_code == 200, opened.text
    assert opened.headers["content-type"].startswith("text/html")
    assert opened.text == operator_page.text
    assert link["url"] == f"http://testserver{link['path']}"
    assert _token(link).startswith("20261001.20261130.en.")
    assert (link["from"], link["to"], link["lang"]) == ("2026-10-01", "2026-11-30", "en")
    assert dt.datetime.fromisoformat(link["expires_at"]) == made_at + dt.timedelta(hours=24)


def test_the_token_travels_in_the_fragment_and_a_form_body_never_in_a_path(
    client: TestClient, auth: dict[str, str]
) -> None:
    link = _link(client, auth)
    token = _token(link)

    opener = client.get(link["url"])  # what a browser asks for: everything before the '#'

    assert opener.status_code == 200
    assert opener.headers["content-type"].startswith("text/html")
    assert opener.headers["content-security-policy"] == HEADERS["Content-Security-Policy"]
    assert opener.request.url.raw_path == b"/report/"  # the request line: no fragment
    assert 'action="/v1/reports/shared"' in opener.text
    assert client.get(f"/v1/reports/shared/{token}").status_code == 404  # no such path any more


def test_an_expired_link_is_refused(
    client: TestClient, auth: dict[str, str], clock: FakeClock
) -> None:
    link = _link(client, auth, expires_in_hours=2)
    assert _open(client, _token(link)).status_code == 200

    clock.advance(hours=2)

    body = assert_problem(_open(client, _token(link)), 403, "report_link_expired")
    assert body["expired_at"] == "2026-11-05T14:00:00+00:00"
    assert "22:00" in body["detail_zh"]  # the time on a clock in Asia/Shanghai


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # the signature
        lambda t: t.replace(".zh.", ".en."),  # the language
        lambda t: t.rsplit(".", 2)[0] + ".9999999999." + t.rsplit(".", 1)[1],  # the expiry
        lambda t: t.rsplit(".", 1)[0],  # no signature
        lambda t: t.rsplit(".", 1)[1],  # only the signature
        lambda t: "x" * 120,
    ],
)
def test_a_tampered_link_is_refused(client: TestClient, auth: dict[str, str], change: Any) -> None:
    token = _token(_link(client, auth))
    assert _open(client, token).status_code == 200

    body = assert_problem(_open(client, change(token)), 404, "report_link_invalid")
    assert body["detail_zh"]


def test_a_link_grants_its_own_period_and_no_other(
    client: TestClient, auth: dict[str, str]
) -> None:
    token = _token(_link(client, auth))
    other = token.replace("20261001.20261130", "20160801.20261130")

    assert_problem(_open(client, other), 404, "report_link_invalid")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"from": "2026-11-30", "to": "2026-10-01"}, "invalid_period"),
        ({"from": "2000-01-01", "to": "2026-01-01"}, "invalid_period"),
        ({"expires_in_hours": 0}, "invalid_request"),
        ({"expires_in_hours": 7 * 24 + 1}, "invalid_request"),
        ({"expires_in_hours": "24"}, "invalid_request"),
        ({"lang": "fr"}, "invalid_request"),
    ],
)
def test_a_link_to_an_unreportable_period_or_for_too_long_is_not_made(
    client: TestClient, auth: dict[str, str], body: dict[str, Any], code: str
) -> None:
    answer = client.post("/v1/operator/report/links", json=PERIOD | body, headers=auth)

    assert_problem(answer, 422, code)


def test_a_week_is_the_longest_link(client: TestClient, auth: dict[str, str]) -> None:
    assert _link(client, auth, expires_in_hours=168)["expires_at"] == "2026-11-12T12:00:00Z"


def test_only_an_operator_makes_links(
    client: TestClient, rt: Runtime, enrol: Any, auth: dict[str, str]
) -> None:
    enrol("p0000001")
    participant = participant_headers(rt, "p0000001")

    for headers in ({}, participant, {"Authorization": "Bearer sxk_not-a-real-key"}):
        answer = client.post("/v1/operator/report/links", json=PERIOD, headers=headers)
        assert_problem(answer, 401, "unauthorised")


def test_the_links_form_takes_the_token_and_nothing_else(
    client: TestClient, auth: dict[str, str]
) -> None:
    token = _token(_link(client, auth))

    extra = client.post("/v1/reports/shared", data={"token": token, "lang": "en"})

    assert assert_problem(extra, 422, "invalid_request")["field"] == "lang"
