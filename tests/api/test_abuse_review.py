"""The abuse review queue over HTTP: a step cheat's flag is listed, its ball's owner reads why
it is held (zh/en), and a decision moves the hold once; on both stores."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient

from saxaul.services.balls import mint_balls
from saxaul.services.ledger_audit import audit
from saxaul.services.runtime import Runtime

from .conftest import BOTH_STORES
from .helpers import assert_problem
from .participant_tokens import participant_headers

FLAGS = "/v1/operator/abuse/flags"


def _cheat(client: TestClient, auth: dict[str, str], steps: int) -> None:
    event = {
        "source": "phone",
        "event_id": f"walk-{steps}",
        "user_id": "p0000001",
        "behaviour": "walking",
        "occurred_at": "2026-11-04T20:00:00+08:00",
        "quantity": steps,
    }
    assert client.post("/v1/events", json=[event], headers=auth).status_code == 200


@BOTH_STORES
def test_a_flag_is_listed_explained_and_decided_once(
    client: TestClient, auth: dict[str, str], rt: Runtime, enrol: Callable[..., None]
) -> None:
    enrol("p0000001")
    _cheat(client, auth, 250_000)
    mint_balls(rt)
    page = client.get(FLAGS, params={"status": "open"}, headers=auth).json()
    assert page["total"] == 1 and page["next_after_id"] is None
    (flag,) = page["items"]
    assert flag["rule_id"] == "walking_steps_per_day" and flag["held_g"] == 296
    assert flag["evidence"]["measured"] == 250_000 and flag["reason_zh"]
    me = participant_headers(rt, "p0000001")
    story = client.get(f"/v1/me/balls/{flag['ball_id']}", headers=me).json()
    assert story["hold"]["status"] == "open"
    assert story["hold"]["reason_en"] == flag["reason_en"] and story["hold"]["reason_zh"]

    decision = f"{FLAGS}/{flag['id']}/decision"

    def confirm(_: int) -> int:
        return client.post(decision, json={"decision": "confirm"}, headers=auth).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert set(pool.map(confirm, range(6))) == {200}
    assert_problem(
        client.post(decision, json={"decision": "release"}, headers=auth), 409, "already_decided"
    )
    assert client.get(FLAGS, params={"status": "open"}, headers=auth).json()["total"] == 0
    result = audit(rt)
    assert result.ok and result.by_kind.get("forfeited") == 296
    story = client.get(f"/v1/me/balls/{flag['ball_id']}", headers=me).json()
    assert story["hold"]["status"] == "confirmed"


def test_a_normal_walk_is_not_flagged_and_its_ball_has_no_hold(
    client: TestClient, auth: dict[str, str], rt: Runtime, enrol: Callable[..., None]
) -> None:
    enrol("p0000001")
    _cheat(client, auth, 9_000)
    mint_balls(rt)
    assert client.get(FLAGS, headers=auth).json()["total"] == 0
    me = participant_headers(rt, "p0000001")
    balls = client.get("/v1/me/forest", headers=me).json()["balls"]
    (ball,) = balls
    assert client.get(f"/v1/me/balls/{ball['id']}", headers=me).json()["hold"] is None


def test_decisions_refuse_unknown_flags_and_bad_bodies(
    client: TestClient, auth: dict[str, str]
) -> None:
    assert_problem(
        client.post(f"{FLAGS}/9/decision", json={"decision": "release"}, headers=auth),
        404,
        "not_found",
    )
    assert_problem(
        client.post(f"{FLAGS}/9/decision", json={"decision": "ban"}, headers=auth),
        422,
        "invalid_request",
    )
    assert_problem(
        client.post("/v1/jobs/abuse-scan", params={"from": "2026-11-01T00:00:00"}, headers=auth),
        422,
        "invalid_request",
    )


def test_the_scan_job_answers_what_it_found(client: TestClient, auth: dict[str, str]) -> None:
    window = {"from": "2026-11-01T00:00:00Z", "to": "2026-11-05T00:00:00Z"}
    answer = client.post("/v1/jobs/abuse-scan", params=window, headers=auth)
    assert answer.status_code == 200
    assert answer.json() == {"findings": 0, "flagged": 0, "held_g": 0}
