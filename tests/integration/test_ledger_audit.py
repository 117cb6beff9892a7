"""The ledger audit streams accounts in batches and still names every broken invariant, on
both stores: a cache that disagrees with its transfers, a transfer to an account never opened,
and a never-negative account below zero (a ledger that no longer sums to zero needs an edit no
transfer can make: ``tests/unit/test_ledger.py`` checks that sentence)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from saxaul.services.balls import mint_balls
from saxaul.services.ledger_audit import audit
from saxaul.services.runtime import Runtime
from saxaul.store import audit_repo
from tests.game_world import RIDE_G, enrol, rides

DAY = dt.date(2026, 11, 2)
USERS = [f"u{n}" for n in range(1, 8)]


@pytest.fixture
def minted(runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Runtime:
    """Seven participants with one ball each, audited three accounts a batch."""
    monkeypatch.setattr(audit_repo, "STREAM_ROWS", 3)
    enrol(runtime, USERS, tmp_path)
    for user in USERS:
        rides(runtime, user, 2, DAY)
    assert mint_balls(runtime).balls == len(USERS)
    return runtime


def _tamper(rt: Runtime, *statements: str) -> None:
    with rt.db.engine.begin() as conn:  # hand edits behind the ledger's back
        for statement in statements:
            conn.execute(sa.text(statement))


def test_a_sound_ledger_streamed_in_small_batches_passes(minted: Runtime) -> None:
    found = audit(minted)

    assert found.ok, found.problems
    assert found.accounts >= len(USERS) + 1  # the balls and the issuance account
    assert found.issued_g == len(USERS) * 2 * RIDE_G
    assert sum(found.by_kind.values()) == 0


def test_every_broken_invariant_is_named(minted: Runtime) -> None:
    ball = "(SELECT id FROM ledger_accounts WHERE kind = 'ball' ORDER BY id LIMIT 1)"
    _tamper(
        minted,
        f"UPDATE ledger_accounts SET balance_g = balance_g + 5 WHERE id = {ball}",
        "INSERT INTO ledger_transfers (id, debit_account, credit_account, amount_g, kind, "
        f"at_us, reference) SELECT 'tampered-1', id, 'ghost', 200, 'gift', 1, 'x' FROM "
        f"ledger_accounts WHERE id = {ball}",
        "INSERT INTO ledger_transfers (id, debit_account, credit_account, amount_g, kind, "
        "at_us, reference) VALUES ('tampered-2', 'nowhere', 'issuance', 7, 'gift', 1, 'x')",
    )

    found = audit(minted)

    problems = "\n".join(found.problems)
    assert not found.ok
    assert f"caches {RIDE_G * 2 + 5} g but its transfers sum to {RIDE_G * 2 - 200} g" in problems
    assert f"is at {RIDE_G * 2 - 200} g but must not go negative" in problems
    assert "account ghost holds 200 g but is not open" in problems
    assert "account nowhere holds -7 g but is not open" in problems
    assert found.by_kind["unknown"] == 193
    assert "balances sum to" not in problems  # each transfer still moves what it takes
