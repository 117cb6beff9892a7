"""Planting orders from batching to survival: statuses, events and refusals, on both stores."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from saxaul.methodology.load import canonical_json
from saxaul.services.orders import create_orders
from saxaul.services.runtime import Runtime
from saxaul.store.tables import evidence

from ..conftest import BOTH_STORES
from ..helpers import assert_problem
from .isolation import Caller
from .orders_world import (
    accepted_order,
    add_project,
    add_trees,
    events,
    planting,
    proposed_order,
)

ORDERS = "/v1/partner/orders"


def _statuses(a: Caller, order_id: str) -> dict[str, str]:
    order = a.client.get(f"{ORDERS}/{order_id}", headers=a.headers).json()
    return {t["tree_id"]: t["status"] for t in order["trees"]}


def _evidence(a: Caller, order_id: str, body: dict[str, Any]) -> Any:
    return a.client.post(f"{ORDERS}/{order_id}/evidence", headers=a.headers, json=body)


def _types(rt: Runtime, partner_id: str) -> list[str]:
    return [kind for kind, _ in events(rt, partner_id)]


@BOTH_STORES
def test_batching_orders_only_promised_owed_trees_once(rt: Runtime, ngo_a: Caller) -> None:
    project = add_project(rt, ngo_a.partner_id)
    promised = add_trees(rt, project, 3)
    add_trees(rt, project, 2, prefix="funding", tree_status="funding")
    add_trees(rt, None, 2, prefix="waiting")

    made = create_orders(rt)

    assert (made.orders, made.trees) == (1, 3)
    assert create_orders(rt).orders == 0, "a second run makes no second order"
    page = ngo_a.client.get(ORDERS, headers=ngo_a.headers).json()
    assert page["total"] == 1
    (order,) = page["items"]
    assert (order["status"], order["units"], order["project_id"]) == ("proposed", 3, project)
    assert _statuses(ngo_a, order["id"]) == dict.fromkeys(promised, "owed")
    ((kind, payload),) = events(rt, ngo_a.partner_id)
    assert kind == "order.created"
    assert payload["order"]["id"] == order["id"] and payload["tree_ids"] == promised
    # trees promised while an order awaits its answer wait for the next batch
    add_trees(rt, project, 1, prefix="later")
    assert create_orders(rt).orders == 0
    assert ngo_a.client.get(f"{ORDERS}?status=accepted", headers=ngo_a.headers).json() == {
        "items": [],
        "total": 0,
        "next_after_id": None,
    }


@BOTH_STORES
def test_accepting_orders_the_trees_and_declining_puts_them_back(
    rt: Runtime, ngo_a: Caller
) -> None:
    order_id, tree_ids = accepted_order(ngo_a)

    assert _statuses(ngo_a, order_id) == dict.fromkeys(tree_ids, "ordered")
    again = ngo_a.client.post(f"{ORDERS}/{order_id}/accept", headers=ngo_a.headers)
    assert again.status_code == 200 and again.json()["status"] == "accepted"
    assert _types(rt, ngo_a.partner_id) == ["order.created", "order.accepted"]
    refused = ngo_a.client.post(
        f"{ORDERS}/{order_id}/decline", headers=ngo_a.headers, json={"reason": "too late"}
    )
    assert_problem(refused, 409, "order_not_proposed")

    add_trees(rt, f"{ngo_a.partner_id}-saxaul-live", 2, prefix="next")
    assert create_orders(rt).orders == 1
    second = ngo_a.client.get(f"{ORDERS}?status=proposed", headers=ngo_a.headers).json()
    (proposed,) = second["items"]
    declined = ngo_a.client.post(
        f"{ORDERS}/{proposed['id']}/decline",
        headers=ngo_a.headers,
        json={"reason": "site not ready"},
    )
    assert declined.status_code == 200, declined.text
    body = declined.json()
    assert (body["status"], body["decline_reason"], body["trees"]) == (
        "declined",
        "site not ready",
        [],
    )
    assert _types(rt, ngo_a.partner_id)[-1] == "order.declined"
    assert_problem(
        ngo_a.client.post(f"{ORDERS}/{proposed['id']}/accept", headers=ngo_a.headers),
        409,
        "order_not_proposed",
    )
    # still owed by the project: the next batching proposes them again
    assert (create_orders(rt).orders, create_orders(rt).trees) == (1, 0)


@BOTH_STORES
def test_planting_then_survival_then_replacement_and_reopening(rt: Runtime, ngo_a: Caller) -> None:
    order_id, trees = accepted_order(ngo_a, count=4)

    planted = _evidence(ngo_a, order_id, planting(trees))

    assert planted.status_code == 201, planted.text
    answer = planted.json()
    assert answer["order"]["status"] == "fulfilled"
    assert answer["outcomes"] == dict.fromkeys(trees, "planted")
    document = answer["evidence"]["document"]
    assert document["kind"] == "planting" and document["irrigation"] == "none"
    listed = ngo_a.client.get(f"{ORDERS}/{order_id}/evidence", headers=ngo_a.headers).json()
    assert [e["sha256"] for e in listed] == [answer["evidence"]["sha256"]]
    with rt.db.reading() as conn:
        stored = conn.execute(select(evidence.c.document, evidence.c.sha256)).one()
    assert hashlib.sha256(stored.document.encode()).hexdigest() == stored.sha256
    assert stored.document == canonical_json(json.loads(stored.document)) and ", " not in stored[0]
    types = _types(rt, ngo_a.partner_id)
    assert types.count("certificate.issued") == 4 and "evidence.accepted" in types
    certificates = [p for k, p in events(rt, ngo_a.partner_id) if k == "certificate.issued"]
    issued = {"tree_id": trees[0], "number": f"SX-{trees[0]}", "order_id": order_id}
    assert certificates[0] == issued

    check = {
        "kind": "survival",
        "checked_on": "2026-11-05",
        "method": "random sample of 10 %, stratified by plot",
        "sample": [
            {"tree_id": trees[0], "alive": True},
            {"tree_id": trees[1], "alive": True},
            {"tree_id": trees[2], "alive": False},
        ],
        "sampled_of": 4,
    }
    checked = _evidence(ngo_a, order_id, check)

    assert checked.status_code == 201, checked.text
    assert checked.json()["survival"] == {"alive": 2, "sampled": 3, "rate": 2 / 3}
    assert _statuses(ngo_a, order_id) == {
        trees[0]: "alive",
        trees[1]: "alive",
        trees[2]: "lost",
        trees[3]: "planted",
    }
    lost = [p for k, p in events(rt, ngo_a.partner_id) if k == "tree.lost"]
    assert lost == [{"tree_id": trees[2], "order_id": order_id}]

    # a lost tree replanted counts a replacement
    replanted = _evidence(ngo_a, order_id, planting([trees[2]], irrigation="drip"))
    assert replanted.json()["outcomes"] == {trees[2]: "replanted"}
    order = ngo_a.client.get(f"{ORDERS}/{order_id}", headers=ngo_a.headers).json()
    again = next(t for t in order["trees"] if t["tree_id"] == trees[2])
    assert (again["status"], again["replacements"]) == ("planted", 1)

    # found dead again, then reopened by the operator: owed, out of the order, batched anew
    dead = check | {"sample": [{"tree_id": trees[2], "alive": False}], "sampled_of": 2}
    assert _evidence(ngo_a, order_id, dead).status_code == 201
    not_lost = ngo_a.client.post(f"/v1/operator/trees/{trees[0]}/reopen", headers=ngo_a.operator)
    assert_problem(not_lost, 409, "wrong_tree_status")
    reopened = ngo_a.client.post(f"/v1/operator/trees/{trees[2]}/reopen", headers=ngo_a.operator)
    assert reopened.status_code == 200, reopened.text
    assert (reopened.json()["status"], reopened.json()["status_zh"]) == ("owed", "待种植：等待下单")
    assert trees[2] not in _statuses(ngo_a, order_id)
    assert (create_orders(rt).orders, create_orders(rt).orders) == (1, 0)
    assert_problem(
        ngo_a.client.post("/v1/operator/trees/nope/reopen", headers=ngo_a.operator),
        404,
        "not_found",
    )


@BOTH_STORES
def test_bad_evidence_is_refused_naming_the_field(
    rt: Runtime, ngo_a: Caller, client: TestClient
) -> None:
    proposed_id, proposed_trees = proposed_order(ngo_a, prefix="p", species="hedysarum")
    order_id, trees = accepted_order(ngo_a)
    assert order_id != proposed_id

    def refused(order: str, body: dict[str, Any], status: int, code: str, field: str) -> None:
        problem = assert_problem(_evidence(ngo_a, order, body), status, code)
        assert problem["field"] == field, problem

    refused(proposed_id, planting(proposed_trees), 409, "order_not_accepted", "order_id")
    refused(
        order_id, planting(trees, planted_on="2026-11-07"), 422, "evidence_invalid", "planted_on"
    )
    refused(
        order_id, planting(trees, planted_on="2026-11-04"), 422, "evidence_invalid", "planted_on"
    )
    refused(order_id, planting([trees[0], "x-1"]), 422, "tree_not_in_order", "trees[1].tree_id")
    refused(order_id, planting([trees[0], trees[0]]), 422, "evidence_invalid", "trees[1].tree_id")
    refused(order_id, planting(trees, photos=[]), 422, "invalid_request", "planting.photos")
    refused(
        order_id,
        planting(trees, photos=[{"url": "http://x.example/1.jpg"}]),
        422,
        "invalid_request",
        "planting.photos.0.url",
    )
    refused(
        order_id, planting(trees, irrigation="flood"), 422, "invalid_request", "planting.irrigation"
    )
    refused(order_id, planting(trees, extra=1), 422, "invalid_request", "planting.extra")
    survival = {
        "kind": "survival",
        "checked_on": "2026-11-05",
        "method": "all trees",
        "sample": [{"tree_id": trees[0], "alive": True}],
        "sampled_of": 1,
    }
    refused(order_id, survival, 409, "wrong_tree_status", "sample[0].tree_id")
    assert _evidence(ngo_a, order_id, planting(trees)).status_code == 201
    refused(order_id, planting(trees), 409, "wrong_tree_status", "trees[0].tree_id")
    refused(order_id, survival | {"sampled_of": 4}, 422, "evidence_invalid", "sampled_of")
    assert _types(rt, ngo_a.partner_id).count("evidence.accepted") == 1


@BOTH_STORES
def test_pipeline_counts_and_estimates_the_sink(rt: Runtime, ngo_a: Caller, ngo_b: Caller) -> None:
    order_id, trees = accepted_order(ngo_a, count=4)
    assert _evidence(ngo_a, order_id, planting(trees[:2], irrigation="drip")).status_code == 201
    assert _evidence(ngo_a, order_id, planting(trees[2:])).status_code == 201
    add_trees(rt, None, 1, prefix="waiting")
    elsewhere = add_project(rt, ngo_b.partner_id, species="red_willow")
    add_trees(rt, elsewhere, 2, prefix="rw", species="red_willow")

    mine = ngo_a.client.get("/v1/partner/pipeline", headers=ngo_a.headers).json()

    assert mine["total"] == {
        "waiting": 0,
        "owed": 0,
        "ordered": 0,
        "planted": 4,
        "alive": 0,
        "lost": 0,
        "replaced": 0,
        "total": 4,
    }
    # 2 drip-irrigated × 0.85 × 17.9 + 2 unirrigated × 0.30 × 17.9 = 41.17 → 41.1 kg
    assert mine["sink"]["kg_co2"] == "41.1"
    assert "observed rate" in mine["sink"]["method"]

    check = {
        "kind": "survival",
        "checked_on": "2026-11-05",
        "method": "half of the trees",
        "sample": [{"tree_id": trees[0], "alive": True}, {"tree_id": trees[2], "alive": False}],
        "sampled_of": 4,
    }
    assert _evidence(ngo_a, order_id, check).status_code == 201
    everything = ngo_a.client.get("/v1/operator/trees/pipeline", headers=ngo_a.operator).json()

    total = everything["total"]
    assert (total["waiting"], total["owed"], total["planted"], total["alive"], total["lost"]) == (
        1,
        2,
        2,
        1,
        1,
    )
    assert set(everything["species"]) == {"saxaul", "red_willow"}
    assert {p["project_id"] for p in everything["projects"]} == {
        None,
        elsewhere,
        f"{ngo_a.partner_id}-saxaul-live",
    }
    # 1 alive × 17.9 + 2 unchecked × observed 1/2 × 17.9 = 35.8 kg; red willow states no sink
    assert everything["sink"]["kg_co2"] == "35.8"
    (saxaul,) = everything["sink"]["species"]
    assert (saxaul["verified_alive"], saxaul["unchecked"]) == (1, 2)
    assert everything["sink"]["not_counted"] == []
