"""``POST /v1/reversals``: operator only, validated whole, one result per reversal in order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from saxaul.services.balls import mint_balls
from saxaul.services.ledger_audit import audit
from saxaul.services.runtime import Runtime

from .helpers import assert_problem, ride


def reversal(event_id: str = "r1", original: str = "e1", **changes: object) -> dict[str, Any]:
    item: dict[str, Any] = {
        "source": "transit",
        "event_id": event_id,
        "original_event_id": original,
        "reason": "refund",
        "occurred_at": "2026-11-05T09:30:00+08:00",
    }
    return item | changes


def test_anonymous_is_refused(client: TestClient) -> None:
    assert_problem(client.post("/v1/reversals", json=[reversal()]), 401, "unauthorised")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([reversal(reason="returned")], "0.reason"),
        ([reversal(), reversal("r2", occurred_at="2026-11-05T09:30:00")], "1.occurred_at"),
        ([reversal(source="")], "0.source"),
        ([reversal(event_id="r" * 129)], "0.event_id"),
        ([reversal(original=" e1")], "0.original_event_id"),
        (
            [{k: v for k, v in reversal().items() if k != "original_event_id"}],
            "0.original_event_id",
        ),
        ([], "body"),
        ({"source": "transit"}, "body"),
    ],
)
def test_a_malformed_body_is_refused_naming_the_field(
    client: TestClient, auth: dict[str, str], body: object, field: str
) -> None:
    response = client.post("/v1/reversals", json=body, headers=auth)

    problem = assert_problem(response, 422, "invalid_request")
    assert problem["field"] == field


def test_more_than_ten_thousand_items_are_refused(client: TestClient, auth: dict[str, str]) -> None:
    body = [reversal(f"r{n}") for n in range(10_001)]

    problem = assert_problem(
        client.post("/v1/reversals", json=body, headers=auth), 422, "invalid_request"
    )

    assert problem["field"] == "body"


def test_reversals_take_energy_back_and_answer_again_the_same(
    client: TestClient, auth: dict[str, str], enrol: Callable[..., None], rt: Runtime
) -> None:
    enrol("p0000001")
    rides = [ride("e1"), ride("e2", occurred_at="2026-11-02T09:15:00+08:00")]
    assert client.post("/v1/events", json=rides, headers=auth).json()["scored"] == 2
    mint_balls(rt)
    body = [reversal("r1", "e1"), reversal("r2", "missing"), reversal("r3", "e1")]

    response = client.post("/v1/reversals", json=body, headers=auth)

    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["counts"] == {"applied": 1, "unknown_event": 1, "already_reversed": 1}
    first = answer["results"][0]
    assert first["award_id"] and "52 g taken back" in first["detail"]
    assert {k: v for k, v in first.items() if k not in ("award_id", "detail")} == {
        "source": "transit",
        "event_id": "r1",
        "original_event_id": "e1",
        "status": "applied",
        "reversed_g": 52,
        "from_ball_g": 52,
        "from_expired_g": 0,
        "from_balance_g": 0,
        "debt_g": 0,
        "replayed": False,
    }
    assert [r["event_id"] for r in answer["results"]] == ["r1", "r2", "r3"]
    assert "import the original event first" in answer["results"][1]["detail"]

    again = client.post("/v1/reversals", json=body[:1], headers=auth).json()

    assert again["results"][0] == first | {"replayed": True}
    assert audit(rt).problems == []


def test_openapi_documents_the_body_and_its_bounds(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/v1/reversals"]["post"]

    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert (schema["type"], schema["minItems"], schema["maxItems"]) == ("array", 1, 10_000)
