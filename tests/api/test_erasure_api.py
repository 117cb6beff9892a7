"""Erasure over HTTP: a participant erases only themselves, after typing their id and password;
an erased participant stays out of scoring, re-imports and sign-in."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import polars as pl
from fastapi.testclient import TestClient
from sqlalchemy import select

from saxaul.services import participant_auth
from saxaul.services.imports import import_event_body
from saxaul.services.participants import import_participants
from saxaul.services.runtime import Runtime
from saxaul.store.tables import demographics, events
from tests.game_world import metro_rides

from .helpers import assert_problem
from .participant_tokens import participant_headers

PASSWORD = "correct horse battery"


def test_a_participant_erases_only_themselves_with_their_id_and_password(
    rt: Runtime, client: TestClient, enrol: Callable[..., None]
) -> None:
    enrol("u1", "u2")
    participant_auth.set_password(rt, "u1", PASSWORD)
    mine = participant_headers(rt, "u1")

    other = client.post("/v1/me/erase", headers=mine, json={"confirm": "u2", "password": PASSWORD})
    wrong = client.post("/v1/me/erase", headers=mine, json={"confirm": "u1", "password": "nope"})
    bare = client.post("/v1/me/erase", headers=mine, json={"confirm": "u1"})
    as_operator = client.post("/v1/participants/u2/erase", headers=mine)

    assert assert_problem(other, 422, "input_rejected")["field"] == "confirm"
    assert assert_problem(wrong, 401, "unauthorised")["detail_zh"]
    assert_problem(bare, 401, "unauthorised")
    assert as_operator.status_code == 401
    assert participant_auth.issue_token(rt, "u2").user_id == "u2", "u2 is untouched"

    done = client.post("/v1/me/erase", headers=mine, json={"confirm": "u1", "password": PASSWORD})

    assert done.status_code == 200, done.text
    assert (done.json()["user_id"], done.json()["requested_by"]) == ("u1", "participant")
    assert_problem(client.get("/v1/me", headers=mine), 401, "unauthorised")


def test_an_erased_participant_stays_out_of_sign_in_scoring_and_re_imports(
    rt: Runtime, client: TestClient, auth: dict[str, str], tmp_path: Path
) -> None:
    def people(province: str) -> Path:
        path = tmp_path / f"people-{province}.csv"
        pl.DataFrame(
            {
                "user_id": ["u1"],
                "enrolled_at": ["2026-01-01T00:00:00+08:00"],
                "consent": ["true"],
                "province": [province],
            }
        ).write_csv(path)
        return path

    import_participants(rt, people("Qinghai"))
    assert client.post("/v1/participants/u1/erase", headers=auth).status_code == 200

    import_participants(rt, people("Gansu"))
    rides = metro_rides("u1", 2, dt.date(2026, 11, 4))
    import_event_body(rt, json.dumps(rides).encode(), "application/json", max_rows=10)

    with rt.db.reading() as conn:
        assert conn.execute(select(demographics)).all() == [], "a kept file brings nothing back"
        assert set(conn.execute(select(events.c.status)).scalars()) == {"no_consent"}
    issued = client.post("/v1/participants/u1/tokens", headers=auth, json={"ttl_hours": 1})
    assert_problem(issued, 410, "participant_erased")
    unknown = client.post("/v1/participants/nobody/erase", headers=auth)
    assert_problem(unknown, 404, "not_found")
