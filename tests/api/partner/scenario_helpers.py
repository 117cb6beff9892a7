"""A small scenario fragment, its events, and the API steps that take it to approval."""

from __future__ import annotations

import copy
from typing import Any

from fastapi.testclient import TestClient

from .isolation import Caller

BEHAVIOUR = "cup_refill"


def fragment(behaviour: str = BEHAVIOUR, activity: str = "reusable_cup_refill") -> dict[str, Any]:
    """Reusable-cup refills: 30 g each, at most 2 earning refills a day (a vector checks it)."""
    return copy.deepcopy(
        {
            "title": "Reusable cup refills",
            "summary": "A refill in the customer's own cup instead of a disposable one.",
            "region": "China",
            "timezone": "Asia/Shanghai",
            "effective_from": "2026-01-01",
            "notes": "Test fragment; figures are illustrative defaults [U].",
            "sources": [
                {
                    "id": "cup_study",
                    "title": "Illustrative default",
                    "url": "example.org/cups",
                    "locator": "table 1",
                    "status": "U",
                }
            ],
            "factors": [
                {
                    "id": "cup_g",
                    "value": "30",
                    "unit": "g CO2e/cup",
                    "year": 2026,
                    "source": "cup_study",
                    "status": "U",
                }
            ],
            "behaviours": [
                {
                    "id": behaviour,
                    "name_zh": "自带杯续杯",
                    "name_en": "Own-cup refill",
                    "category": "consumption",
                    "activity_unit": "cup",
                    "activity": activity,
                    "formula": "fixed_per_activity",
                    "factors": ["cup_g"],
                    "caps": {"period": "day", "max_count": 2},
                }
            ],
            "vectors": [
                {
                    "id": "three_refills_two_earn",
                    "behaviour": behaviour,
                    "events": [{"quantity": 1, "repeat": 3}],
                    "expected_total_g": "60",
                }
            ],
        }
    )


def refill(event_id: str, user_id: str, day: int = 2, **changes: object) -> dict[str, object]:
    """One refill event on 2026-11-0<day> (Shanghai)."""
    event: dict[str, object] = {
        "event_id": event_id,
        "source": "acme-pos",
        "user_id": user_id,
        "behaviour": BEHAVIOUR,
        "occurred_at": f"2026-11-0{day}T09:{len(event_id) % 60:02d}:00+08:00",
        "quantity": 1,
    }
    return event | changes


TITLE = "Cup refills of partner A"


def propose(caller: Caller, body: dict[str, Any] | None = None) -> str:
    """A draft scenario of ``caller`` titled ``TITLE``; returns its id."""
    response = caller.client.post(
        "/v1/partner/scenarios",
        json={"title": TITLE, "fragment": fragment() if body is None else body},
        headers=caller.headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def sandboxed(caller: Caller) -> str:
    """A draft run in the sandbox on three refills of one user."""
    scenario_id = propose(caller)
    events = [refill(f"h{i}", "anyone") for i in range(3)]
    response = caller.client.post(
        f"/v1/partner/scenarios/{scenario_id}/sandbox", json=events, headers=caller.headers
    )
    assert response.status_code == 200, response.text
    return scenario_id


def approved(caller: Caller, budget_g: int = 1000) -> str:
    """A scenario taken through sandbox, submission and an operator's approval."""
    scenario_id = sandboxed(caller)
    client: TestClient = caller.client
    response = client.post(f"/v1/partner/scenarios/{scenario_id}/submit", headers=caller.headers)
    assert response.status_code == 200, response.text
    response = client.post(
        f"/v1/operator/scenarios/{scenario_id}/approve",
        json={"budget_g": budget_g},
        headers=caller.operator,
    )
    assert response.status_code == 200, response.text
    return scenario_id
