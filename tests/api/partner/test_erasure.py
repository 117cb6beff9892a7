"""Erasure reaches every copy: after it, no personal value of the participant is readable in any
column of any table nor in any archive file (opened with the store's keys), the partner holding
their tree is told, and every ledger total is what it was; on both stores."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import polars as pl
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from saxaul.reports.archive import ArchiveInputs
from saxaul.services import participant_auth, statements, webhook_http, webhooks
from saxaul.services.archive import export_archive
from saxaul.services.balls import mint_balls
from saxaul.services.imports import import_event_body
from saxaul.services.orders import create_orders
from saxaul.services.participants import import_participants
from saxaul.services.runtime import Runtime
from saxaul.store import personal_keys_repo
from saxaul.store.tables import (
    ledger_accounts,
    ledger_transfers,
    metadata,
    participant_credentials,
    tree_members,
    trees,
)
from tests.certificate_world import collect_all
from tests.conftest import FakeClock
from tests.game_world import befriend, rides

from ..conftest import BOTH_STORES
from ..helpers import assert_problem
from .isolation import Caller
from .orders_world import add_project, add_trees

DAY = dt.date(2026, 11, 4)
PASSWORD = "zebra-password-8841"
PROVINCE = "Zebraland-7"
MERCHANT = "ZQ9137"
MEMO = "zebra-memo-5521"
HOOK = "https://hooks.ngo-a.example/saxaul"


def _people(rt: Runtime, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    pl.DataFrame(
        {
            "user_id": ["u1", "u2"],
            "enrolled_at": ["2026-01-01T00:00:00+08:00"] * 2,
            "consent": ["true"] * 2,
            "gender": ["female", "male"],
            "birth_year": [1977, 1990],
            "province": [PROVINCE, "Gansu"],
        }
    ).write_csv(path)
    import_participants(rt, path)


def _paid_events(rt: Runtime) -> None:
    """Two metro rides paid with distinctive details, and one refused row naming them."""
    paid = [
        {
            "event_id": f"u1-paid-{n}",
            "source": "transit",
            "user_id": "u1",
            "behaviour": "metro_ride",
            "occurred_at": f"{DAY.isoformat()}T09:0{n}:00+08:00",
            "quantity": 1,
            "amount_minor": 4242,
            "currency": "CNY",
            "merchant_category": MERCHANT,
            "attributes": {"memo": MEMO},
        }
        for n in range(2)
    ]
    refused = {**paid[0], "event_id": "u1-bad", "quantity": "lots"}
    for rows, rejected in (([*paid], 0), ([refused], 1)):
        body = json.dumps(rows).encode()
        summary = import_event_body(rt, body, "application/json", max_rows=10)
        assert summary.rejected == rejected


def _our_tree_in_an_order(rt: Runtime, partner_id: str) -> str:
    """A promised tree of u1's (with u2 co-planting) owed by the partner, then ordered."""
    (tree_id,) = add_trees(rt, add_project(rt, partner_id), 1, prefix="oak")

    def plant(conn: Any) -> None:
        conn.execute(update(trees).where(trees.c.id == tree_id).values(initiator="u1"))
        conn.execute(tree_members.insert().values(tree_id=tree_id, user_id="u1", joined_at_us=0))
        conn.execute(tree_members.insert().values(tree_id=tree_id, user_id="u2", joined_at_us=0))

    rt.db.write(plant)
    assert create_orders(rt).orders == 1
    return tree_id


def _ledger(rt: Runtime) -> dict[str, Any]:
    """Every balance, the sum of transfers per account kind and their count."""
    with rt.db.reading() as conn:
        balances = {
            row.id: row.balance_g
            for row in conn.execute(select(ledger_accounts.c.id, ledger_accounts.c.balance_g))
        }
        by_kind = {
            row[0]: row[1]
            for row in conn.execute(
                select(ledger_transfers.c.kind, func.sum(ledger_transfers.c.amount_g)).group_by(
                    ledger_transfers.c.kind
                )
            )
        }
        count = conn.execute(select(func.count()).select_from(ledger_transfers)).scalar_one()
    return {"balances": balances, "by_kind": by_kind, "transfers": count}


def _every_text(rt: Runtime) -> str:
    """Every value of every column of every table, as text."""
    parts: list[str] = []
    with rt.db.reading() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(select(table)):
                parts.extend(str(value) for value in row)
    return "\n".join(parts)


def _archive_text(rt: Runtime, root: Path) -> tuple[str, pl.DataFrame]:
    """Every archive file's bytes as text, and the participants as the store's keys open them."""
    raw = "\n".join(p.read_bytes().decode("latin-1") for p in root.rglob("*") if p.is_file())
    with rt.db.bulk(lookups=True) as bulk:
        keys = ArchiveInputs.open(root, lambda ids: personal_keys_repo.keys_of(bulk, ids))
        people = pl.concat([f.collect() for f in keys.frames("participants", None)], how="vertical")
    return raw, people


def _archived_merchants(rt: Runtime, root: Path) -> list[str | None]:
    """The merchant categories of the archived events whose payment details were sealed."""
    with rt.db.bulk(lookups=True) as bulk:
        keys = ArchiveInputs.open(root, lambda ids: personal_keys_repo.keys_of(bulk, ids))
        return list(keys.payments().frame["merchant_category"])


@BOTH_STORES
def test_after_erasure_no_personal_value_is_readable_anywhere_and_the_ledger_is_unchanged(
    rt: Runtime, client: TestClient, ngo_a: Caller, clock: FakeClock, tmp_path: Path
) -> None:
    _people(rt, tmp_path)
    participant_auth.set_password(rt, "u1", PASSWORD)
    token = participant_auth.login(rt, "u1", PASSWORD).token
    with rt.db.reading() as conn:
        password_hash = conn.execute(select(participant_credentials.c.password_hash)).scalar_one()
    _paid_events(rt)
    rides(rt, "u1", 3, DAY)
    mint_balls(rt)
    clock.advance(hours=25)
    collect_all(rt, "u1")
    befriend(rt, "u1", "u2")
    subscribed = client.post(
        "/v1/partner/webhooks",
        headers=ngo_a.headers,
        json={"url": HOOK, "event_types": ["order.created"]},
    )
    assert subscribed.status_code == 201, subscribed.text
    tree_id = _our_tree_in_an_order(rt, ngo_a.partner_id)
    archive = tmp_path / "archive"
    export_archive(rt, archive)
    raw, people = _archive_text(rt, archive)
    assert [s for s in (PROVINCE, MERCHANT, MEMO) if s in raw] == [], "held only sealed"
    assert people.filter(pl.col("user_id") == "u1")["province"].to_list() == [PROVINCE]
    assert _archived_merchants(rt, archive) == [MERCHANT, MERCHANT]
    before = _ledger(rt)
    secrets = (PROVINCE, MERCHANT, MEMO, password_hash)
    assert all(s in _every_text(rt) for s in secrets), "the world holds what erasure must remove"

    erased = client.post("/v1/participants/u1/erase", headers=ngo_a.operator)

    assert erased.status_code == 200, erased.text
    assert erased.json()["partners_notified"] == [ngo_a.partner_id]
    stored = _every_text(rt)
    assert [s for s in secrets if s in stored] == []
    raw, people = _archive_text(rt, archive)
    assert PROVINCE not in raw
    assert _archived_merchants(rt, archive) == [None, None], "u1's payments no longer open"
    u1 = people.filter(pl.col("user_id") == "u1").select("gender", "birth_year", "province")
    assert u1.row(0) == (None, None, None), "every archived copy is unreadable for u1"
    u2 = people.filter(pl.col("user_id") == "u2").select("gender", "province")
    assert u2.row(0) == ("male", "Gansu"), "only u1's key is gone"
    assert _ledger(rt) == before
    assert (
        client.get("/v1/me/friends", headers={"Authorization": f"Bearer {token}"}).status_code
        == 401
    )
    refused = client.post("/v1/auth/login", json={"user_id": "u1", "password": PASSWORD})
    assert_problem(refused, 401, "unauthorised")
    try:
        statements.content(rt, "u1")
        raise AssertionError("a statement of an erased participant")
    except Exception as exc:
        assert getattr(exc, "code", None) == "participant_erased"
    sent: list[dict[str, Any]] = []

    def receive(url: str, body: bytes, *_: object) -> webhook_http.Answer:
        sent.append(json.loads(body))
        return webhook_http.Answer(200, None)

    webhooks.dispatch_until_idle(rt, send=receive)
    (told,) = [e for e in sent if e["type"] == "participant.erased"]
    assert told["data"]["trees"] == [
        {
            "tree_id": tree_id,
            "order_id": told["data"]["trees"][0]["order_id"],
            "certificate_number": f"SX-{tree_id}",
        }
    ]
    assert "u1" not in json.dumps(told), "partners never learn the pseudonym"
    again = client.post("/v1/participants/u1/erase", headers=ngo_a.operator)
    assert again.status_code == 200 and again.json()["already"] is True
    assert again.json()["erased_at"] == erased.json()["erased_at"]
