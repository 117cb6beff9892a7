"""Webhook deliveries against a real HTTP receiver: signed, retried with backoff, in order,
exactly once to the receiver's success handler in the normal path; on both stores."""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from saxaul import cli
from saxaul.api.metrics import WebhookDeliveries
from saxaul.bootstrap import bootstrap
from saxaul.config import Settings
from saxaul.domain.clock import to_us
from saxaul.domain.partners import PartnerKind
from saxaul.domain.webhooks import Reach
from saxaul.jobs import WebhookDispatcher
from saxaul.services import partners, webhook_http, webhooks
from saxaul.services.runtime import Runtime
from saxaul.store import webhook_outbox
from tests.conftest import FakeClock

from ..conftest import BOTH_STORES
from ..helpers import assert_problem
from .isolation import Caller
from .webhook_receiver import HANG_S, Receiver, receiver, verify

FAST = 0.5
"""The dispatcher's timeout in these tests (the receiver's "hang" outlasts it)."""


def _rt(rt: Runtime, **policy: Any) -> Runtime:
    return dataclasses.replace(
        rt, webhooks=dataclasses.replace(rt.webhooks, timeout_s=FAST, **policy)
    )


def _subscribe(
    client: TestClient, caller: Caller, url: str, types: list[str], *, live: bool = False
) -> dict[str, Any]:
    headers = caller.headers if live else caller.sandbox_headers
    answer = client.post(
        "/v1/partner/webhooks", headers=headers, json={"url": url, "event_types": types}
    )
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _record(rt: Runtime, partner_id: str, type: str, n: int, mode: str = "sandbox") -> str:
    return rt.db.write(
        lambda conn: webhook_outbox.record(
            conn,
            partner_id=partner_id,
            mode=mode,
            type=type,
            payload={"order": {"id": f"ord-{n}"}},
            at_us=to_us(rt.clock.now()),
        )
    )


def _assert_signed(got: Receiver, secret: str, clock: FakeClock) -> None:
    for body in got.received:
        header = body["_headers"]["Saxaul-Signature"]
        assert verify(secret, header, body["_raw"], clock.now().timestamp()), header
        assert body["_headers"]["Saxaul-Event-Id"] == body["id"]


@BOTH_STORES
def test_retries_with_backoff_then_delivers_every_event_once_in_order(
    rt: Runtime, client: TestClient, ngo_a: Caller, clock: FakeClock
) -> None:
    fast = _rt(rt, jitter=0.0)
    with receiver([500, "close", "hang"]) as got:
        sub = _subscribe(client, ngo_a, got.url, ["order.created", "order.accepted"])
        first = _record(rt, "ngo-a", "order.created", 1)
        second = _record(rt, "ngo-a", "order.accepted", 2)
        _record(rt, "ngo-a", "tree.lost", 3)  # not subscribed
        third = _record(rt, "ngo-a", "order.created", 4)

        for wait_s in (10, 30, 120):  # 500, closed connection, no answer in time
            done = webhooks.dispatch_until_idle(fast)
            assert (done.sent, done.retrying) == (0, 1)
            assert webhooks.dispatch_until_idle(fast).attempts == 0, "not due before its backoff"
            clock.advance(seconds=wait_s - 1)
            assert webhooks.dispatch_until_idle(fast).attempts == 0
            clock.advance(seconds=1)
        done = webhooks.dispatch_until_idle(fast)

    assert done.sent == 3 and done.retrying == 0
    assert got.event_ids() == [first, second, third]
    assert [r["answer"] for r in got.requests] == [500, "close", "hang", 200, 200, 200]
    assert {r["headers"]["Saxaul-Event-Id"] for r in got.requests[:4]} == {first}
    assert got.received[0]["_headers"]["Saxaul-Delivery-Attempt"] == "4"
    assert got.received[0]["type"] == "order.created"
    assert got.received[0]["data"] == {"order": {"id": "ord-1"}}
    assert got.received[0]["mode"] == "sandbox" and got.received[0]["partner_id"] == "ngo-a"
    _assert_signed(got, sub["secret"], clock)

    log = client.get(
        f"/v1/partner/webhooks/{sub['id']}/deliveries", headers=ngo_a.sandbox_headers
    ).json()["deliveries"]
    assert [d["event_id"] for d in log] == [third, second, first]
    assert all(d["status"] == "delivered" for d in log)
    attempts = log[-1]["attempts"]
    assert [a["status_code"] for a in attempts] == [500, None, None, 200]
    assert "500" in attempts[0]["error"]
    assert attempts[2]["error"] == f"no answer within {FAST:g} s"
    assert attempts[2]["duration_ms"] >= FAST * 1000 * 0.9
    assert attempts[3]["error"] is None
    assert HANG_S > FAST


@BOTH_STORES
def test_partners_and_modes_see_only_their_own_events(
    rt: Runtime, client: TestClient, ngo_a: Caller, ngo_b: Caller, clock: FakeClock
) -> None:
    with receiver() as got_a, receiver() as got_b:
        sub_a = _subscribe(client, ngo_a, got_a.url, ["*"])
        sub_b = _subscribe(client, ngo_b, got_b.url, ["*"])
        a1 = _record(rt, "ngo-a", "order.created", 1)
        b1 = _record(rt, "ngo-b", "order.created", 2)
        _record(rt, "ngo-a", "order.created", 3, mode="live")  # no live subscription
        a2 = _record(rt, "ngo-a", "evidence.accepted", 4)
        webhooks.dispatch_until_idle(_rt(rt))

    assert got_a.event_ids() == [a1, a2]
    assert got_b.event_ids() == [b1]
    _assert_signed(got_a, sub_a["secret"], clock)
    _assert_signed(got_b, sub_b["secret"], clock)
    assert not verify(
        sub_b["secret"],
        got_a.received[0]["_headers"]["Saxaul-Signature"],
        got_a.received[0]["_raw"],
        clock.now().timestamp(),
    )


@BOTH_STORES
def test_a_failing_subscription_holds_up_no_other_and_finally_fails(
    rt: Runtime, client: TestClient, ngo_a: Caller, clock: FakeClock
) -> None:
    fast = _rt(rt, jitter=0.0, max_attempts=2)
    with receiver([500] * 10) as down, receiver() as up:
        failing = _subscribe(client, ngo_a, down.url, ["order.created"])
        _subscribe(client, ngo_a, up.url, ["order.created"])
        events = [_record(rt, "ngo-a", "order.created", n) for n in range(3)]
        webhooks.dispatch_until_idle(fast)
        assert up.event_ids() == events  # the failing receiver's backoff did not hold it up
        assert len(down.requests) == 1

        clock.advance(seconds=10)
        webhooks.dispatch_until_idle(fast)  # 2nd attempt fails: final; the next event goes
        shown = client.get(
            f"/v1/partner/webhooks/{failing['id']}", headers=ngo_a.sandbox_headers
        ).json()
        assert shown["failing_since"] is not None
        assert [r["headers"]["Saxaul-Event-Id"] for r in down.requests] == [
            events[0],
            events[0],
            events[1],
        ]

    log = client.get(
        f"/v1/partner/webhooks/{failing['id']}/deliveries", headers=ngo_a.sandbox_headers
    ).json()["deliveries"]
    assert [d["status"] for d in log] == ["pending", "pending", "failed"]


@BOTH_STORES
def test_replay_sends_a_delivery_again_as_a_new_attempt(
    rt: Runtime, client: TestClient, ngo_a: Caller, clock: FakeClock
) -> None:
    with receiver() as got:
        sub = _subscribe(client, ngo_a, got.url, ["order.created"])
        event = _record(rt, "ngo-a", "order.created", 1)
        webhooks.dispatch_until_idle(_rt(rt))
        base = f"/v1/partner/webhooks/{sub['id']}/deliveries"
        delivery = client.get(base, headers=ngo_a.sandbox_headers).json()["deliveries"][0]

        clock.advance(minutes=5)
        replayed = client.post(f"{base}/{delivery['id']}/replay", headers=ngo_a.sandbox_headers)
        assert replayed.status_code == 202, replayed.text
        assert replayed.json()["status"] == "pending"
        again = client.post(f"{base}/{delivery['id']}/replay", headers=ngo_a.sandbox_headers)
        assert again.status_code == 409 and again.json()["code"] == "delivery_pending"
        webhooks.dispatch_until_idle(_rt(rt))

    assert got.event_ids() == [event, event]
    assert got.received[1]["_headers"]["Saxaul-Delivery-Attempt"] == "2"
    _assert_signed(got, sub["secret"], clock)
    log = client.get(base, headers=ngo_a.sandbox_headers).json()["deliveries"]
    assert log[0]["status"] == "delivered" and len(log[0]["attempts"]) == 2


@BOTH_STORES
def test_test_event_goes_to_its_subscription_alone(
    rt: Runtime, client: TestClient, ngo_a: Caller, clock: FakeClock
) -> None:
    with receiver() as one, receiver() as other:
        sub = _subscribe(client, ngo_a, one.url, ["order.created"])
        _subscribe(client, ngo_a, other.url, ["*"])
        answer = client.post(
            f"/v1/partner/webhooks/{sub['id']}/test", headers=ngo_a.sandbox_headers
        )
        assert answer.status_code == 202, answer.text
        webhooks.dispatch_until_idle(_rt(rt))

    assert one.event_ids() == [answer.json()["event_id"]]
    assert one.received[0]["type"] == "webhook.test"
    assert other.received == []


@BOTH_STORES
def test_rotation_signs_with_both_secrets_for_the_grace_period(
    rt: Runtime, client: TestClient, ngo_a: Caller, clock: FakeClock
) -> None:
    with receiver() as got:
        old = _subscribe(client, ngo_a, got.url, ["order.created"])
        rotated = client.post(
            f"/v1/partner/webhooks/{old['id']}/rotate-secret", headers=ngo_a.sandbox_headers
        ).json()
        _record(rt, "ngo-a", "order.created", 1)
        webhooks.dispatch_until_idle(_rt(rt))
        clock.advance(seconds=rt.webhooks.rotation_grace_s)
        _record(rt, "ngo-a", "order.created", 2)
        webhooks.dispatch_until_idle(_rt(rt))

    assert rotated["secret_version"] == 2 and rotated["secret"] != old["secret"]
    during, after = got.received
    now = clock.now().timestamp()
    during_at = now - rt.webhooks.rotation_grace_s
    assert verify(old["secret"], during["_headers"]["Saxaul-Signature"], during["_raw"], during_at)
    assert verify(
        rotated["secret"], during["_headers"]["Saxaul-Signature"], during["_raw"], during_at
    )
    assert verify(rotated["secret"], after["_headers"]["Saxaul-Signature"], after["_raw"], now)
    assert not verify(old["secret"], after["_headers"]["Saxaul-Signature"], after["_raw"], now)


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("http://127.0.0.1:9/hooks", "live"),
        ("http://hooks.example/saxaul", "sandbox"),
        ("ftp://hooks.example/saxaul", "sandbox"),
        ("https://user:pw@hooks.example/", "sandbox"),
        ("not a url", "sandbox"),
    ],
)
def test_url_refused(client: TestClient, ngo_a: Caller, url: str, key: str) -> None:
    headers = ngo_a.headers if key == "live" else ngo_a.sandbox_headers
    answer = client.post(
        "/v1/partner/webhooks", headers=headers, json={"url": url, "event_types": ["*"]}
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "invalid_webhook_url"


def test_unknown_event_type_refused_with_the_list(client: TestClient, ngo_a: Caller) -> None:
    answer = client.post(
        "/v1/partner/webhooks",
        headers=ngo_a.headers,
        json={"url": "https://hooks.example/", "event_types": ["order.creatd"]},
    )
    assert answer.status_code == 422
    assert answer.json()["code"] == "unknown_event_type"
    assert "order.created" in answer.json()["detail"]


def test_the_server_thread_delivers_and_counts(
    rt: Runtime, client: TestClient, ngo_a: Caller, auth: dict[str, str]
) -> None:
    stats = webhooks.DeliveryStats()
    dispatcher = WebhookDispatcher(_rt(rt), 0.05, stats)
    with receiver() as got:
        _subscribe(client, ngo_a, got.url, ["order.created"])
        event = _record(rt, "ngo-a", "order.created", 1)
        dispatcher.start()
        try:
            deadline = time.monotonic() + 10
            while not got.received and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            dispatcher.stop()

    assert got.event_ids() == [event]
    assert (stats.total.sent, stats.total.failed) == (1, 0)
    scraped = WebhookDeliveries(stats).collect()
    assert {m.name: m.samples[0].value for m in scraped}["saxaul_webhook_deliveries_sent"] == 1
    metrics = client.get("/metrics", headers=auth).text
    assert "saxaul_webhook_deliveries_sent_total" in metrics


def test_cli_delivers_until_idle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FakeClock
) -> None:
    monkeypatch.setenv("SAXAUL_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    rt = bootstrap(Settings())
    _, key = partners.signup(
        rt,
        partners.Application("ngo-c", "NGO C", None, PartnerKind.NGO, "o@ngo-c.example", "O"),
    )
    principal = partners.authenticate_partner(rt, key.secret)
    with receiver([503]) as got:
        webhooks.subscribe(rt, principal, got.url, ["*"])
        events = [_record(rt, "ngo-c", "order.created", n) for n in range(2)]
        first = CliRunner().invoke(cli.app, ["webhooks", "deliver", "--json"])
        rt.db.write(  # the retry is due now
            lambda conn: conn.execute(
                sa.text("UPDATE webhook_deliveries SET next_attempt_at_us = 0")
            )
        )
        rest = CliRunner().invoke(cli.app, ["webhooks", "deliver", "--until-idle", "--json"])
    rt.db.dispose()

    assert first.exit_code == 0, first.output
    assert json.loads(first.output) == {
        "events": 2,
        "queued": 2,
        "sent": 0,
        "retrying": 1,
        "failed": 0,
        "pending": 2,
    }
    assert json.loads(rest.output) == {
        "events": 0,
        "queued": 0,
        "sent": 2,
        "retrying": 0,
        "failed": 0,
        "pending": 0,
    }
    assert got.event_ids() == events


def _resolving(monkeypatch: pytest.MonkeyPatch, names: dict[str, list[str]]) -> None:
    """Make ``names`` resolve to those addresses (others as the system resolves them)."""
    real = webhook_http.resolve

    def resolve(host: str, port: int) -> list[webhook_http.Address]:
        if host in names:
            return [ipaddress.ip_address(a) for a in names[host]]
        return real(host, port)

    monkeypatch.setattr(webhook_http, "resolve", resolve)


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://10.0.0.7/hooks", "live"),
        ("https://169.254.169.254/latest/meta-data/", "sandbox"),
        ("https://[::ffff:127.0.0.1]/hooks", "live"),
        ("https://0.0.0.0/hooks", "live"),
        ("https://internal.partner.example/hooks", "live"),
        ("https://internal.partner.example/hooks", "sandbox"),
        ("https://localhost/hooks", "live"),
    ],
)
def test_registering_a_non_public_address_is_refused_naming_the_url(
    client: TestClient, ngo_a: Caller, monkeypatch: pytest.MonkeyPatch, url: str, key: str
) -> None:
    _resolving(monkeypatch, {"internal.partner.example": ["93.184.215.14", "192.168.3.4"]})
    headers = ngo_a.headers if key == "live" else ngo_a.sandbox_headers
    answer = client.post(
        "/v1/partner/webhooks", headers=headers, json={"url": url, "event_types": ["*"]}
    )

    body = assert_problem(answer, 422, "webhook_address_refused")
    assert body["field"] == "url"
    assert "public addresses only" in body["detail"] and body["detail_zh"]
    listed = client.get("/v1/partner/webhooks", headers=headers).json()["subscriptions"]
    assert listed == []


@pytest.mark.parametrize("url", ["https://2130706433/hooks", "https://0x7f.1/hooks"])
def test_registering_an_address_in_an_unusual_form_is_refused(
    client: TestClient, ngo_a: Caller, url: str
) -> None:
    answer = client.post(
        "/v1/partner/webhooks", headers=ngo_a.headers, json={"url": url, "event_types": ["*"]}
    )
    body = assert_problem(answer, 422, "invalid_webhook_url")
    assert body["field"] == "url" and "unusual form" in body["detail"]


@BOTH_STORES
def test_a_name_that_now_resolves_to_a_private_address_fails_the_attempt_alone(
    rt: Runtime, client: TestClient, ngo_a: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: public when registered, private when delivered to."""
    _resolving(monkeypatch, {"rebinding.example": ["93.184.215.14"]})
    with receiver() as up:
        rebinding = _subscribe(client, ngo_a, "https://rebinding.example/hooks", ["*"])
        _subscribe(client, ngo_a, up.url, ["*"])
        event = _record(rt, "ngo-a", "order.created", 1)
        _resolving(monkeypatch, {"rebinding.example": ["93.184.215.14", "10.1.2.3"]})
        done = webhooks.dispatch_until_idle(_rt(rt))

    assert (done.sent, done.retrying) == (1, 1)
    assert up.event_ids() == [event]
    (delivery,) = client.get(
        f"/v1/partner/webhooks/{rebinding['id']}/deliveries", headers=ngo_a.sandbox_headers
    ).json()["deliveries"]
    (attempt,) = delivery["attempts"]
    assert delivery["status"] == "pending" and attempt["status_code"] is None
    assert "rebinding.example (10.1.2.3)" in attempt["error"]
    assert "a private address" in attempt["error"]


def test_a_delivery_connects_to_the_address_it_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Resolved once: a second lookup (which could answer anything) is never made."""
    lookups: list[str] = []

    def resolve(host: str, port: int) -> list[webhook_http.Address]:
        lookups.append(host)
        return [ipaddress.ip_address("127.0.0.1")]

    monkeypatch.setattr(webhook_http, "resolve", resolve)
    with receiver() as got:
        url = got.url.replace("127.0.0.1", "receiver.example")
        answer = webhook_http.post(
            url, b'{"id":"evt_1"}', {"Content-Type": "application/json"}, FAST, Reach(True)
        )

    assert answer == webhook_http.Answer(200, None)
    assert lookups == ["receiver.example"]
    assert got.requests[0]["headers"]["Host"] == url.split("/")[2]


@BOTH_STORES
def test_a_redirect_is_not_followed(rt: Runtime, client: TestClient, ngo_a: Caller) -> None:
    with receiver() as elsewhere, receiver([302], redirect_to=elsewhere.url) as got:
        sub = _subscribe(client, ngo_a, got.url, ["order.created"])
        _record(rt, "ngo-a", "order.created", 1)
        done = webhooks.dispatch_until_idle(_rt(rt))

    assert (done.sent, done.retrying) == (0, 1)
    assert len(got.requests) == 1 and elsewhere.requests == []
    (delivery,) = client.get(
        f"/v1/partner/webhooks/{sub['id']}/deliveries", headers=ngo_a.sandbox_headers
    ).json()["deliveries"]
    assert delivery["attempts"][0]["status_code"] == 302
    assert "302" in delivery["attempts"][0]["error"]


@BOTH_STORES
def test_a_huge_answer_is_read_no_further_than_the_cap(
    rt: Runtime, client: TestClient, ngo_a: Caller
) -> None:
    huge = 256 * 1024 * 1024
    with receiver(answer_bytes=huge) as got:
        sub = _subscribe(client, ngo_a, got.url, ["order.created"])
        event = _record(rt, "ngo-a", "order.created", 1)
        done = webhooks.dispatch_until_idle(_rt(rt))
        deadline = time.monotonic() + 5
        while got.answered_bytes < webhook_http.MAX_READ and time.monotonic() < deadline:
            time.sleep(0.01)

    assert done.sent == 1 and got.event_ids() == [event]
    assert webhook_http.MAX_READ <= got.answered_bytes < huge // 8, got.answered_bytes
    (delivery,) = client.get(
        f"/v1/partner/webhooks/{sub['id']}/deliveries", headers=ngo_a.sandbox_headers
    ).json()["deliveries"]
    assert delivery["status"] == "delivered"
