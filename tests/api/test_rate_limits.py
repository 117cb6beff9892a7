"""Request rate limits: per caller, per address on public routes, per address and account on
sign-in; a refusal is ``429 rate_limited`` with ``Retry-After``; counts shared through Redis.

Each test builds its app with tiny limits (the suite's other apps run with the defaults), and
its clients with client addresses of their own (``TestClient(client=…)``), so addresses differ
as they would behind no proxy.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
import redis
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from httpx import Response
from limits import parse
from limits.aio.strategies import SlidingWindowCounterRateLimiter

from saxaul.api.app import create_app
from saxaul.api.rate_limits import SweptMemoryStorage, limit_by_address, rate_limits
from saxaul.config import Settings
from saxaul.services.api_keys import create_api_key
from saxaul.services.participant_auth import set_password
from saxaul.services.runtime import Runtime
from tests.conftest import unavailable

from .helpers import assert_problem
from .participant_tokens import participant_headers

PASSWORD = "correct horse battery"
REDIS_URL = "redis://127.0.0.1:6379/15"
HOME, ELSEWHERE = "203.0.113.7", "198.51.100.9"
"""Two client addresses (documentation ranges, RFC 5737)."""

AppWith = Callable[..., FastAPI]
ClientOf = Callable[..., TestClient]


@pytest.fixture
def app_with(settings: Settings, rt: Runtime) -> AppWith:
    """An app on the test's runtime whose settings are the suite's plus ``overrides``."""

    def make(**overrides: Any) -> FastAPI:
        return create_app(settings.model_copy(update=overrides), runtime=rt)

    return make


@pytest.fixture
def client_of() -> Iterator[ClientOf]:
    """A started client of ``app`` calling from ``address``; all stopped after the test."""
    with ExitStack() as stack:

        def make(app: FastAPI, address: str = HOME) -> TestClient:
            return stack.enter_context(TestClient(app, client=(address, 50000)))

        yield make


@pytest.fixture
def member(rt: Runtime, enrol: Callable[..., None]) -> str:
    enrol("p0000001", "p0000002")
    set_password(rt, "p0000001", PASSWORD)
    return "p0000001"


def _refused(response: Response) -> dict[str, Any]:
    """A 429 ``rate_limited`` problem with its retry time in the body and the headers."""
    body = assert_problem(response, 429, "rate_limited")
    retry_after = int(response.headers["Retry-After"])
    assert retry_after >= 1 and body["retry_after_s"] == retry_after
    assert body["detail_zh"] == f"请求太频繁了，请在 {retry_after} 秒后再试"
    assert response.headers["RateLimit"] == f'"{body["policy"]}";r=0;t={retry_after}'
    assert response.headers["Cache-Control"] == "no-store"
    return body


def _login(client: TestClient, user_id: str, password: str = PASSWORD) -> Response:
    return client.post("/v1/auth/login", json={"user_id": user_id, "password": password})


def test_a_participant_over_the_limit_is_refused_and_another_is_not(
    app_with: AppWith, client_of: ClientOf, rt: Runtime, member: str
) -> None:
    client = client_of(app_with(rate_limit_participant="3/minute"))
    first, second = participant_headers(rt, member), participant_headers(rt, member)

    answers = [client.get("/v1/me", headers=h).status_code for h in (first, second, first)]
    refused = client.get("/v1/me", headers=second)

    assert answers == [200, 200, 200]  # both tokens of one participant count together
    body = _refused(refused)
    assert (body["limit"], body["window_s"], body["policy"]) == (3, 60, "participant")
    assert refused.headers["RateLimit-Policy"] == '"participant";q=3;w=60'
    other = participant_headers(rt, "p0000002")
    assert client.get("/v1/me", headers=other).status_code == 200


def test_an_operator_key_over_the_limit_is_refused_and_another_key_is_not(
    app_with: AppWith, client_of: ClientOf, rt: Runtime
) -> None:
    client = client_of(app_with(rate_limit_operator="2/minute"))
    key = {"Authorization": f"Bearer {create_api_key(rt, 'busy')}"}
    other = {"Authorization": f"Bearer {create_api_key(rt, 'quiet')}"}

    assert [client.get("/v1/summary", headers=key).status_code for _ in range(2)] == [200, 200]

    assert _refused(client.get("/v1/summary", headers=key))["policy"] == "operator"
    assert client.get("/v1/summary", headers=other).status_code == 200


def test_bulk_uploads_are_counted_per_key_on_top_of_its_requests(
    app_with: AppWith, client_of: ClientOf, auth: dict[str, str]
) -> None:
    client = client_of(app_with(rate_limit_bulk="1/minute"))
    upload = {**auth, "Content-Type": "application/json"}

    assert client.post("/v1/events", content=b"[]", headers=upload).status_code == 200

    assert _refused(client.post("/v1/events", content=b"[]", headers=upload))["policy"] == "bulk"
    assert client.get("/v1/summary", headers=auth).status_code == 200


def test_the_window_resets_after_retry_after(
    app_with: AppWith, client_of: ClientOf, rt: Runtime, member: str
) -> None:
    client = client_of(app_with(rate_limit_participant="2/second"))
    headers = participant_headers(rt, member)
    while client.get("/v1/me", headers=headers).status_code == 200:
        pass  # spend the second's two requests, whenever in the second the test starts
    refused = client.get("/v1/me", headers=headers)
    _refused(refused)

    time.sleep(int(refused.headers["Retry-After"]))

    assert client.get("/v1/me", headers=headers).status_code == 200


def test_public_routes_are_counted_per_client_address(
    app_with: AppWith, client_of: ClientOf
) -> None:
    app = app_with(rate_limit_public="2/minute")
    home, elsewhere = client_of(app, HOME), client_of(app, ELSEWHERE)

    assert [home.get("/healthz").status_code for _ in range(2)] == [200, 200]

    assert _refused(home.get("/v1/certificates/public-key"))["policy"] == "public"
    assert elsewhere.get("/healthz").status_code == 200


def test_login_attempts_are_limited_per_account_from_any_address(
    app_with: AppWith, client_of: ClientOf, member: str
) -> None:
    app = app_with(sign_in_per_account="3/minute", sign_in_per_address="100/minute")
    home, elsewhere = client_of(app, HOME), client_of(app, ELSEWHERE)
    guesses = [_login(home, member, f"guess {n}").status_code for n in range(3)]

    refused = _login(elsewhere, member)  # the right password, from another address

    assert guesses == [401, 401, 401]
    assert _refused(refused)["policy"] == "sign-in-account"
    assert _login(home, "p0000002", "no password set").status_code == 401  # another account


def test_login_attempts_are_limited_per_address_whatever_the_account(
    app_with: AppWith, client_of: ClientOf, member: str
) -> None:
    app = app_with(sign_in_per_address="3/minute", sign_in_per_account="100/minute")
    home, elsewhere = client_of(app, HOME), client_of(app, ELSEWHERE)
    tries = [_login(home, f"someone-{n}").status_code for n in range(3)]

    refused = _login(home, member)  # a new account, the right password

    assert tries == [401, 401, 401]
    assert _refused(refused)["policy"] == "sign-in-address"
    assert _login(elsewhere, member).status_code == 200


def test_a_wrong_password_and_an_unknown_user_are_throttled_alike(
    app_with: AppWith, client_of: ClientOf, member: str
) -> None:
    app = app_with(sign_in_per_account="2/minute", sign_in_per_address="100/minute")
    client = client_of(app)

    def attempts(user_id: str, password: str) -> list[Response]:
        return [_login(client, user_id, password) for _ in range(3)]

    known = attempts(member, "not the password")
    unknown = attempts("nobody", "not the password")

    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [401, 401, 429]
    assert known[0].json() == unknown[0].json()
    refusals = [_refused(known[2]), _refused(unknown[2])]
    for body in refusals:
        body.pop("retry_after_s")
        body["detail"] = body["detail"].rsplit(";", 1)[0]  # the retry time may tick between
        body.pop("detail_zh")
    assert refusals[0] == refusals[1]


def test_sign_ups_are_limited_per_partner_id_before_anything_is_stored(
    app_with: AppWith, client_of: ClientOf
) -> None:
    client = client_of(app_with(sign_in_per_account="1/minute"))
    application = {
        "partner_id": "see-foundation-2",
        "name_en": "SEE Foundation",
        "name_zh": "阿拉善SEE基金会",
        "kind": "ngo",
        "contact_email": "trees@see.example.org",
        "owner_name": "Li Wei",
    }
    assert client.post("/v1/partners", json=application).status_code == 201

    again = client.post("/v1/partners", json=application)  # would be 409 without the limit

    assert _refused(again)["policy"] == "sign-in-account"


def test_redis_storage_shares_counts_across_two_apps(
    app_with: AppWith, client_of: ClientOf, rt: Runtime, enrol: Callable[..., None]
) -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        unavailable(f"Redis not reachable at {REDIS_URL}: {exc.__class__.__name__}")
    player = f"p-{uuid.uuid4().hex[:12]}"  # counters outlive the test in Redis: a fresh caller
    enrol(player)
    limited = {"rate_limit_storage": REDIS_URL, "rate_limit_participant": "2/minute"}
    one, two = client_of(app_with(**limited)), client_of(app_with(**limited))
    headers = participant_headers(rt, player)

    assert one.get("/v1/me", headers=headers).status_code == 200
    assert two.get("/v1/me", headers=headers).status_code == 200

    _refused(one.get("/v1/me", headers=headers))
    _refused(two.get("/v1/me", headers=headers))


def test_rate_limits_off_refuse_nothing(
    app_with: AppWith, client_of: ClientOf, rt: Runtime, member: str
) -> None:
    client = client_of(app_with(rate_limits=False, rate_limit_participant="1/minute"))
    headers = participant_headers(rt, member)

    assert {client.get("/v1/me", headers=headers).status_code for _ in range(3)} == {200}


def test_every_route_counts_its_requests() -> None:
    """Every API route reaches ``rate_limits`` (through its auth dependency, the sign-in
    limits) or ``limit_by_address``; a new route without either fails here."""
    counters = {rate_limits, limit_by_address}
    uncounted = []
    for route in iter_route_contexts(create_app(Settings()).routes):
        dependant: Dependant | None = getattr(route, "dependant", None)
        if dependant is None or not getattr(route, "include_in_schema", False):
            continue  # the documentation pages and static files
        pending, found = [dependant], False
        while pending and not found:
            current = pending.pop()
            found = current.call in counters
            pending.extend(current.dependencies)
        if not found:
            uncounted.append(route.path)
    assert uncounted == []


def test_the_memory_storage_never_starts_the_librarys_sweep_per_request() -> None:
    """``SweptMemoryStorage`` replaces ``limits``' sweep after every increment (a walk over all
    counters per request); should the library rename what it overrides, this fails."""

    async def hits() -> SweptMemoryStorage:
        storage = SweptMemoryStorage()
        limiter = SlidingWindowCounterRateLimiter(storage)
        for n in range(3):
            assert await limiter.hit(parse("10/minute"), f"caller-{n}")
            await asyncio.sleep(0)
        return storage

    storage = asyncio.run(hits())

    assert storage.timer is None and len(storage.expirations) == 3
