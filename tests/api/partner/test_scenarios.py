"""Business scenarios end to end: fragment checks, sandbox, approval into a pack version, live
events within the budget, impact — on both stores."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from saxaul.services.runtime import Runtime
from saxaul.store.tables import awards, events, methodology_packs, webhook_events

from ..conftest import BOTH_STORES
from ..helpers import assert_problem
from .isolation import Caller
from .scenario_helpers import approved, fragment, propose, refill, sandboxed

SCENARIOS = "/v1/partner/scenarios"


def _count(rt: Runtime, table: object) -> int:
    with rt.db.reading() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


@BOTH_STORES
def test_a_scenario_goes_sandbox_approval_live_and_its_awards_carry_the_new_pack_version(
    rt: Runtime, client: TestClient, biz_a: Caller, enrol: Callable[..., None]
) -> None:
    enrol("p1", "p2")
    scenario_id = propose(biz_a)
    history = [refill(f"h{i}", "u-any") for i in range(3)] + [refill("h9", "u-other")]
    history.append(refill("bad", "u-any", behaviour="metro_ride"))
    sandbox = client.post(f"{SCENARIOS}/{scenario_id}/sandbox", json=history, headers=biz_a.headers)
    assert sandbox.status_code == 200, sandbox.text
    result = sandbox.json()
    assert (result["events"], result["scored"], result["capped"]) == (4, 4, 1)
    assert result["refused"] == {"unknown_behaviour": 1}
    assert (result["energy_g"], result["participants"], result["avoided_g"]) == (90, 2, 90.0)
    assert result["per_day"] == [
        {"date": "2026-11-02", "events": 4, "scored": 4, "avoided_g": 90.0, "energy_g": 90}
    ]
    submitted = client.post(f"{SCENARIOS}/{scenario_id}/submit", headers=biz_a.headers)
    assert submitted.json()["status"] == "submitted"
    queue = client.get("/v1/operator/scenarios?status=submitted", headers=biz_a.operator).json()
    assert [s["id"] for s in queue] == [scenario_id]
    decision = client.post(
        f"/v1/operator/scenarios/{scenario_id}/approve",
        json={"budget_g": 500, "note": "fine"},
        headers=biz_a.operator,
    ).json()
    assert (decision["status"], decision["pack_id"], decision["pack_version"]) == (
        "approved",
        "scenario-biz-a",
        "1.0.0",
    )
    with rt.db.reading() as conn:
        registered = (
            conn.execute(
                select(methodology_packs.c.version).where(
                    methodology_packs.c.pack_id == "scenario-biz-a"
                )
            )
            .scalars()
            .all()
        )
        hooks = conn.execute(select(webhook_events.c.type)).scalars().all()
    assert registered == ["1.0.0"] and "scenario.approved" in hooks

    live = [refill("e1", "p1"), refill("e2", "p1"), refill("e3", "p2"), refill("e4", "nobody")]
    live.append(refill("e5", "p1", behaviour="metro_ride"))
    answer = client.post(f"{SCENARIOS}/{scenario_id}/events", json=live, headers=biz_a.headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["new_events"], body["scored"], body["no_consent"], body["rejected"]) == (
        4,
        3,
        1,
        1,
    )
    assert body["rejections"][0]["code"] == "unknown_behaviour"
    assert (body["energy_g"], body["over_budget"], body["budget_left_g"]) == (90, 0, 410)
    with rt.db.reading() as conn:
        carried = conn.execute(select(awards.c.pack_id, awards.c.pack_version).distinct()).all()
    assert carried == [("scenario-biz-a", "1.0.0")]
    again = client.post(f"{SCENARIOS}/{scenario_id}/events", json=live, headers=biz_a.headers)
    assert (again.json()["new_events"], again.json()["duplicates"]) == (0, 4)

    impact = client.get(f"{SCENARIOS}/{scenario_id}/impact", headers=biz_a.headers).json()
    assert impact["events_received"] == 4 and impact["events_scored"] == 3
    assert (impact["participants"], impact["energy_g"], impact["avoided_kg"]) == (2, 90, 0.09)
    assert (impact["budget_used_g"], impact["budget_left_g"], impact["rows_refused"]) == (
        90,
        410,
        1,
    )
    assert impact["per_day"][0]["date"] == "2026-11-02"


@BOTH_STORES
def test_the_sandbox_stores_no_event_or_award(
    rt: Runtime, client: TestClient, biz_a: Caller, enrol: Callable[..., None]
) -> None:
    enrol("p1")
    before = (_count(rt, events), _count(rt, awards))
    sandboxed(biz_a)
    assert (_count(rt, events), _count(rt, awards)) == before == (0, 0)


def test_a_failing_vector_is_422_naming_it(client: TestClient, biz_a: Caller) -> None:
    broken = fragment()
    broken["vectors"][0]["expected_total_g"] = "90"
    response = client.post(
        SCENARIOS, json={"title": "x", "fragment": broken}, headers=biz_a.headers
    )
    problem = assert_problem(response, 422, "pack_invalid")
    assert problem["field"] == "vectors[0]" and "three_refills_two_earn" in problem["detail"]


def test_a_fragment_may_be_toml_and_may_not_choose_its_pack_id(
    client: TestClient, biz_a: Caller
) -> None:
    foreign = fragment() | {"id": "scenario-biz-b"}
    response = client.post(
        SCENARIOS, json={"title": "x", "fragment": foreign}, headers=biz_a.headers
    )
    assert assert_problem(response, 422, "pack_invalid")["field"] == "id"
    toml = 'title = "x"\nsummary = "y"\n'
    response = client.post(SCENARIOS, json={"title": "x", "fragment": toml}, headers=biz_a.headers)
    assert assert_problem(response, 422, "pack_invalid")["detail"].startswith("fragment")


def test_a_behaviour_or_activity_the_programme_has_is_refused(
    client: TestClient, biz_a: Caller
) -> None:
    for behaviour, activity, where in (
        ("metro_ride", "reusable_cup_refill", "behaviours[0].id"),
        ("cup_refill", "metro_trip", "behaviours[0].activity"),
    ):
        response = client.post(
            SCENARIOS,
            json={"title": "x", "fragment": fragment(behaviour, activity)},
            headers=biz_a.headers,
        )
        assert assert_problem(response, 422, "pack_invalid")["field"] == where


def test_another_scenarios_activity_is_refused(
    client: TestClient, biz_a: Caller, biz_b: Caller
) -> None:
    approved(biz_a)
    response = client.post(
        SCENARIOS,
        json={"title": "x", "fragment": fragment("b_refill")},
        headers=biz_b.headers,
    )
    assert assert_problem(response, 422, "pack_invalid")["field"] == "behaviours[0].activity"


def test_submitting_needs_a_sandbox_run_and_a_submitted_scenario_is_frozen(
    client: TestClient, biz_a: Caller
) -> None:
    scenario_id = propose(biz_a)
    response = client.post(f"{SCENARIOS}/{scenario_id}/submit", headers=biz_a.headers)
    assert_problem(response, 409, "sandbox_required")
    scenario_id = sandboxed(biz_a)
    client.post(f"{SCENARIOS}/{scenario_id}/submit", headers=biz_a.headers)
    response = client.put(
        f"{SCENARIOS}/{scenario_id}", json={"fragment": fragment()}, headers=biz_a.headers
    )
    assert_problem(response, 409, "scenario_state")


def test_a_rejected_scenario_can_be_revised_into_a_draft(client: TestClient, biz_a: Caller) -> None:
    scenario_id = sandboxed(biz_a)
    client.post(f"{SCENARIOS}/{scenario_id}/submit", headers=biz_a.headers)
    rejected = client.post(
        f"/v1/operator/scenarios/{scenario_id}/reject",
        json={"note": "cite a real study"},
        headers=biz_a.operator,
    ).json()
    assert (rejected["status"], rejected["decision_note"]) == ("rejected", "cite a real study")
    revised = client.put(
        f"{SCENARIOS}/{scenario_id}", json={"fragment": fragment()}, headers=biz_a.headers
    ).json()
    assert (revised["status"], revised["sandbox_result"]) == ("draft", None)


def test_an_ngo_cannot_propose_a_scenario(client: TestClient, ngo_a: Caller) -> None:
    response = client.post(
        SCENARIOS, json={"title": "x", "fragment": fragment()}, headers=ngo_a.headers
    )
    assert_problem(response, 403, "forbidden")


def test_a_sandbox_key_cannot_send_live_events(client: TestClient, biz_a: Caller) -> None:
    scenario_id = approved(biz_a)
    response = client.post(
        f"{SCENARIOS}/{scenario_id}/events",
        json=[refill("e1", "p1")],
        headers=biz_a.sandbox_headers,
    )
    assert_problem(response, 403, "live_key_required")


def test_a_draft_takes_no_live_events(client: TestClient, biz_a: Caller) -> None:
    scenario_id = propose(biz_a)
    response = client.post(
        f"{SCENARIOS}/{scenario_id}/events", json=[refill("e1", "p1")], headers=biz_a.headers
    )
    assert_problem(response, 409, "scenario_state")


@BOTH_STORES
def test_past_the_budget_events_are_kept_over_budget(
    rt: Runtime, client: TestClient, biz_a: Caller, enrol: Callable[..., None]
) -> None:
    enrol("p1", "p2", "p3")
    scenario_id = approved(biz_a, budget_g=70)
    live = [refill("e1", "p1", day=1), refill("e2", "p2", day=2), refill("e3", "p3", day=3)]
    body = client.post(f"{SCENARIOS}/{scenario_id}/events", json=live, headers=biz_a.headers).json()
    assert (body["scored"], body["over_budget"], body["energy_g"], body["budget_left_g"]) == (
        2,
        1,
        60,
        10,
    )
    with rt.db.reading() as conn:
        statuses = dict(conn.execute(select(events.c.event_id, events.c.status)).all())
    assert statuses["e3"] == "over_budget"


@BOTH_STORES
def test_two_requests_racing_for_the_last_grams_cannot_both_spend_them(
    rt: Runtime, client: TestClient, biz_a: Caller, enrol: Callable[..., None]
) -> None:
    users = [f"p{i}" for i in range(8)]
    enrol(*users)
    scenario_id = approved(biz_a, budget_g=150)
    bodies = [[refill(f"{side}{i}", user, day=2) for i, user in enumerate(users)] for side in "ab"]
    answers: list[dict[str, int]] = []

    def send(body: list[dict[str, object]]) -> None:
        response = client.post(
            f"{SCENARIOS}/{scenario_id}/events",
            content=json.dumps(body),
            headers=biz_a.headers | {"Content-Type": "application/json"},
        )
        assert response.status_code == 200, response.text
        answers.append(response.json())

    threads = [threading.Thread(target=send, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(a["energy_g"] for a in answers) == 150
    assert sum(a["over_budget"] for a in answers) == 16 - 5
    with rt.db.reading() as conn:
        issued = conn.execute(select(func.sum(awards.c.energy_g))).scalar_one()
    assert issued == 150
