"""Isolation cases of ``/v1/partner/webhooks``: B's key never reaches A's subscriptions."""

from __future__ import annotations

from saxaul.domain.clock import to_us
from saxaul.domain.partners import PartnerKind
from saxaul.services import webhook_http, webhooks
from saxaul.services.runtime import Runtime
from saxaul.store import webhook_outbox

from .isolation import Arranged, Caller, IsolationCase

BASE = "/v1/partner/webhooks"
URL = "https://hooks.partner-a.example/saxaul"


def _subscription(a: Caller) -> Arranged:
    made = a.client.post(BASE, headers=a.headers, json={"url": URL, "event_types": ["*"]})
    assert made.status_code == 201, made.text
    body = made.json()
    return Arranged(params={"subscription_id": str(body["id"])}, secrets=(URL, body["secret"]))


def _delivered(a: Caller) -> Arranged:
    """A's subscription with one delivered event (acknowledged by a stand-in receiver)."""
    arranged = _subscription(a)
    rt: Runtime = a.client.app.state.runtime  # type: ignore[attr-defined]
    event_id = rt.db.write(
        lambda conn: webhook_outbox.record(
            conn,
            partner_id=a.partner_id,
            mode="live",
            type="order.created",
            payload={"order": {"id": "ord-a"}},
            at_us=to_us(rt.clock.now()),
        )
    )
    webhooks.dispatch_until_idle(rt, send=lambda *_: webhook_http.Answer(200, None))
    log = a.client.get(
        f"{BASE}/{arranged.params['subscription_id']}/deliveries", headers=a.headers
    ).json()["deliveries"]
    assert log[0]["status"] == "delivered"
    return Arranged(
        params=arranged.params | {"delivery_id": str(log[0]["id"])},
        secrets=(*arranged.secrets, event_id),
    )


NGO = PartnerKind.NGO
CASES = [
    IsolationCase(
        "POST",
        BASE,
        NGO,
        _subscription,
        body=lambda _: {"url": "https://hooks.partner-b.example/", "event_types": ["*"]},
        foreign_path=False,
    ),
    IsolationCase("GET", BASE, NGO, _subscription, foreign_path=False),
    IsolationCase("GET", BASE + "/{subscription_id}", NGO, _subscription),
    IsolationCase("DELETE", BASE + "/{subscription_id}", NGO, _subscription),
    IsolationCase("POST", BASE + "/{subscription_id}/rotate-secret", NGO, _subscription),
    IsolationCase("GET", BASE + "/{subscription_id}/deliveries", NGO, _delivered),
    IsolationCase(
        "POST", BASE + "/{subscription_id}/deliveries/{delivery_id}/replay", NGO, _delivered
    ),
    IsolationCase("POST", BASE + "/{subscription_id}/test", NGO, _subscription),
]
