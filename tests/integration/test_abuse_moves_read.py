"""The abuse scan reads a window of moves whatever kind of move opens it.

Why a test of its own: SQLite's Arrow driver types a result column from the first rows it
reads, so a window whose first thousand-odd moves are waterings (no ball, so no ball owner)
once typed the owner as an integer and failed on the first steal after them (``make demo``
found it). The rows are written straight into the ledger's table: the read is what is tested.
"""

from __future__ import annotations

import datetime as dt

from saxaul.domain.clock import to_us
from saxaul.domain.ledger import TransferKind
from saxaul.services.runtime import Runtime
from saxaul.store import abuse_repo
from saxaul.store.tables import balls, ledger_transfers
from saxaul.store.uow import WriteUnitOfWork

START = dt.datetime(2026, 11, 6, tzinfo=dt.UTC)
WATERINGS = 3_000
"""More than the driver's first batch of rows (1,024 by default)."""


def test_a_window_opening_with_thousands_of_waterings_reads_the_steal_after_them(
    runtime: Runtime,
) -> None:
    at = to_us(START)
    rows = [
        {
            "id": f"water:{n}",
            "debit_account": f"user:w{n}",
            "credit_account": "user:r",
            "amount_g": 10,
            "kind": TransferKind.WATER.value,
            "at_us": at + n,
            "reference": f"water:{n}",
        }
        for n in range(WATERINGS)
    ]
    rows.append(
        {
            "id": "steal:1",
            "debit_account": "ball:1",
            "credit_account": "user:r",
            "amount_g": 5,
            "kind": TransferKind.STEAL.value,
            "at_us": at + WATERINGS,
            "reference": "1",
        }
    )
    ball = {
        "id": "1",
        "owner": "v",
        "behaviour": "metro",
        "amount_g": 20,
        "created_at_us": at,
        "ripens_at_us": at,
        "expires_at_us": at + 10**12,
        "rules": "energy@1.0.1",
    }

    def write(conn: WriteUnitOfWork) -> None:
        conn.execute(balls.insert(), [ball])
        conn.execute(ledger_transfers.insert(), rows)

    runtime.db.write(write)

    with runtime.db.reading() as conn:
        moves = abuse_repo.moves(conn, START, START + dt.timedelta(days=1))

    assert moves.height == WATERINGS + 1
    assert moves["kind"].to_list()[-1] == TransferKind.STEAL.value
    assert moves["owner"].to_list()[-1] == "v"
    assert moves["owner"].null_count() == WATERINGS  # a watering takes from no ball
    assert moves["initiator"].null_count() == WATERINGS + 1
