"""Hot statements on the driver's cursor (``store.driver``) on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.exc import IntegrityError

from saxaul.domain.ledger import Transfer, TransferKind
from saxaul.services.runtime import Runtime
from saxaul.store import driver, ledger_repo
from saxaul.store.driver import Sql
from saxaul.store.uow import WriteUnitOfWork

AT = dt.datetime(2026, 3, 1, 8, tzinfo=dt.UTC)


def _gift(transfer_id: str, amount_g: int) -> Transfer:
    return Transfer(transfer_id, "gifts", "issuance", amount_g, TransferKind.GIFT, AT, "r")


def test_a_repeated_row_raises_sqlalchemy_integrity_error_so_the_unit_of_work_retries(
    runtime: Runtime,
) -> None:
    """The driver's own unique violation arrives as SQLAlchemy's, which ``store.uow`` retries:
    the second attempt writes a fresh id, and only its rows are kept."""
    runtime.db.write(lambda uow: ledger_repo.append_transfers(uow, [_gift("t1", 5)], ()))
    attempts: list[int] = []

    def work(uow: WriteUnitOfWork) -> None:
        attempts.append(1)
        ledger_repo.append_transfers(uow, [_gift(f"t{len(attempts)}", 7)], ())

    runtime.db.write(work)

    with runtime.db.reading() as uow:
        kept = driver.rows(uow, Sql.of("SELECT id, amount_g FROM ledger_transfers ORDER BY id"))
    assert attempts == [1, 1]
    assert kept == [("t1", 5), ("t2", 7)]
    with pytest.raises(IntegrityError):
        runtime.db.write(lambda uow: ledger_repo.append_transfers(uow, [_gift("t2", 1)], ()))


def test_a_list_is_one_parameter_and_a_percent_sign_is_text_on_both_engines(
    runtime: Runtime,
) -> None:
    many = [f"t{n}" for n in range(40_000)]  # more values than SQLite binds as parameters
    runtime.db.write(
        lambda uow: ledger_repo.append_transfers(uow, [_gift("t7", 1), _gift("x%", 2)], ())
    )
    found = Sql.of("SELECT id FROM ledger_transfers WHERE id {any} AND id LIKE 't%' ORDER BY id")

    with runtime.db.reading() as uow:
        assert driver.rows(uow, found, many) == [("t7",)]
        assert driver.rows(uow, found, []) == []


def test_writes_sent_together_fail_as_one_at_the_end_of_the_pipeline(runtime: Runtime) -> None:
    """In a pipeline (one round trip on PostgreSQL) a repeated id still fails the unit of work
    with SQLAlchemy's error, and nothing of the block is kept."""
    runtime.db.write(lambda uow: ledger_repo.append_transfers(uow, [_gift("t1", 5)], ()))

    def work(uow: WriteUnitOfWork) -> None:
        with driver.pipeline(uow):
            ledger_repo.append_transfers(uow, [_gift("t2", 1)], ())
            ledger_repo.append_transfers(uow, [_gift("t1", 1)], ())

    with pytest.raises(IntegrityError):
        runtime.db.write(work)
    with runtime.db.reading() as uow:
        assert driver.rows(uow, Sql.of("SELECT id FROM ledger_transfers")) == [("t1",)]


def test_reads_asked_together_answer_as_each_alone(runtime: Runtime) -> None:
    runtime.db.write(
        lambda uow: ledger_repo.append_transfers(uow, [_gift("t1", 5), _gift("t2", 7)], ())
    )
    amounts = Sql.of("SELECT amount_g FROM ledger_transfers WHERE id {any} ORDER BY id")
    grams = driver.Read(amounts, (["t1", "t2", "t9"],), lambda found: [g for (g,) in found])
    nothing = driver.Read(None, (), lambda found: len(found))

    with runtime.db.reading() as uow:
        assert driver.read_all(uow, grams, nothing) == ([5, 7], 0)
        assert driver.read_all(uow, nothing, grams) == (0, [5, 7])
        assert driver.read(uow, grams) == [5, 7]
