"""No password, token, key or signing secret reaches a log record (OWASP API8).

Why under a real uvicorn server with every logger at DEBUG: a secret leaks into logs through
whatever logs — the app's own lines, the access line uvicorn writes per request (path and
query), SQLAlchemy's statements and parameters at INFO, a traceback — so the test listens to
all of them while each kind of credential is made and used, and looks for every secret, and
for every piece of it 16 characters long (a log could cut or mask either end), in every
record.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
import pytest

from saxaul.api.app import create_app
from saxaul.config import Settings
from saxaul.services.api_keys import create_api_key
from saxaul.services.participant_auth import set_password
from saxaul.services.runtime import Runtime
from tests.live_server import live_server

PASSWORD = "correct horse battery staple 42"
SIGN_UP = {
    "partner_id": "log-watch",
    "name_en": "Log Watch",
    "name_zh": "日志观察",
    "kind": "ngo",
    "contact_email": "tech@log-watch.example",
    "owner_name": "Li Wei",
}


def _pieces(secret: str) -> set[str]:
    """Pieces of 16 characters every 8, so a log that cut or masked either end is caught too."""
    return {secret[start : start + 16] for start in range(0, len(secret) - 15, 8)}


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _made(answer: httpx.Response, status: int = 201) -> dict[str, object]:
    assert answer.status_code == status, answer.text
    body: dict[str, object] = answer.json()
    return body


def test_no_secret_appears_in_any_log_record(
    settings: Settings,
    rt: Runtime,
    enrol: Callable[..., None],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    enrol("p0000001")
    set_password(rt, "p0000001", PASSWORD)
    operator_key = create_api_key(rt, "log-watch-operator")
    # Another test's server may have configured uvicorn's loggers not to pass records on.
    for name in ("uvicorn", "uvicorn.access", "uvicorn.error"):
        monkeypatch.setattr(logging.getLogger(name), "propagate", True)
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy")  # its statements and parameters
    operator = _bearer(operator_key)

    with (
        live_server(create_app(settings, runtime=rt), logs=True) as port,
        httpx.Client(base_url=f"http://127.0.0.1:{port}") as client,
    ):
        wrong = client.post(
            "/v1/auth/login", json={"user_id": "p0000001", "password": "x" + PASSWORD}
        )
        assert wrong.status_code == 401
        login = _made(
            client.post("/v1/auth/login", json={"user_id": "p0000001", "password": PASSWORD}),
            200,
        )
        participant_token = str(login["token"])
        assert client.get("/v1/me", headers=_bearer(participant_token)).status_code == 200
        assert client.post("/v1/auth/logout", headers=_bearer(participant_token)).status_code == 204
        issued = _made(client.post("/v1/participants/p0000001/tokens", headers=operator, json={}))
        assert client.get("/v1/summary", headers=operator).status_code == 200

        signed_up = _made(client.post("/v1/partners", json=SIGN_UP))
        sandbox_key = str(signed_up["key"]["secret"])  # type: ignore[index]
        sandbox = _bearer(sandbox_key)
        _made(
            client.post("/v1/operator/partners/log-watch/approve", headers=operator, json={}),
            200,
        )
        live = _made(
            client.post(
                "/v1/partner/keys",
                headers=sandbox,
                json={"name": "live", "mode": "live", "scopes": ["orders:read"]},
            )
        )
        live_key = str(live["secret"])
        assert client.get("/v1/partner", headers=_bearer(live_key)).status_code == 200
        hook = _made(
            client.post(
                "/v1/partner/webhooks",
                headers=sandbox,
                json={"url": "https://hooks.example/saxaul", "event_types": ["*"]},
            )
        )
        rotated = _made(
            client.post(f"/v1/partner/webhooks/{hook['id']}/rotate-secret", headers=sandbox),
            200,
        )
        link = _made(
            client.post(
                "/v1/operator/report/links",
                headers=operator,
                json={"from": "2026-10-01", "to": "2026-11-30"},
            )
        )
        report_link_token = str(link["path"]).partition("#")[2]
        # What a browser requests: the link without its fragment (this test's own HTTP client
        # would log the whole URL it was given; a browser neither sends nor logs a fragment).
        opener = client.get(str(link["url"]).partition("#")[0])
        assert opener.status_code == 200 and "text/html" in opener.headers["content-type"]
        page = client.post("/v1/reports/shared", data={"token": report_link_token})
        assert page.status_code == 200, page.text

    secrets = {
        "password": PASSWORD,
        "participant token": participant_token,
        "operator-issued token": str(issued["token"]),
        "operator key": operator_key,
        "partner sandbox key": sandbox_key,
        "partner live key": live_key,
        "webhook secret": str(hook["secret"]),
        "rotated webhook secret": str(rotated["secret"]),
        "report share link": report_link_token,
    }
    records = caplog.records
    loggers = {record.name for record in records}
    assert {"uvicorn.access", "saxaul.api.routers.auth", "sqlalchemy.engine.Engine"} <= loggers
    texts = [caplog.text] + [f"{record.getMessage()} {record.args!r}" for record in records]
    leaks = [
        (what, record_text[:200])
        for what, secret in secrets.items()
        for record_text in texts
        if any(piece in record_text for piece in _pieces(secret))
    ]
    assert leaks == []
