"""What a support operator sees of one participant: enrolment, consent, demographics, energy.

Why a use case of its own, audited: it is the one operator read of a single person's data, so
the read and its audit entry are one transaction (``services.operator_audit``): if the entry
cannot be written, nothing is read. The answer holds only what a help desk needs to answer a
participant; no events, no passwords, no tokens.

Example: ``participant_record(rt, "u1", act)`` → ``ParticipantRecord(user_id="u1",
consent_scopes=("reports", "scoring"), withdrawn_at=None, province="gansu", balance_g=120, …)``
and one audit entry ``participants.read`` on ``u1``, outcome ``ok``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from saxaul.domain.accounts import participant_account_id
from saxaul.domain.clock import from_us, to_us
from saxaul.domain.errors import NotFound
from saxaul.services import operator_audit
from saxaul.services.operator_audit import OperatorAct
from saxaul.services.runtime import Runtime
from saxaul.store import ledger_repo, participants_repo
from saxaul.store.participants_repo import ParticipantRow
from saxaul.store.uow import WriteUnitOfWork


@dataclass(frozen=True, slots=True)
class ParticipantRecord:
    """One participant as support sees them."""

    user_id: str
    enrolled_at: dt.datetime
    consent_scopes: tuple[str, ...]
    consent_at: dt.datetime | None
    withdrawn_at: dt.datetime | None
    gender: str | None
    birth_year: int | None
    province: str | None
    balance_g: int


def participant_record(rt: Runtime, user_id: str, act: OperatorAct) -> ParticipantRecord:
    """``user_id``'s record, audited as ``act`` (404 ``not_found``, audited too, if unknown)."""
    at_us = to_us(rt.clock.now())

    def work(conn: WriteUnitOfWork) -> tuple[ParticipantRow, int] | None:
        row = participants_repo.participant(conn, user_id)
        balance = (
            0 if row is None else ledger_repo.balance_of(conn, participant_account_id(user_id))
        )
        outcome = NotFound.code if row is None else operator_audit.OK
        operator_audit.record(conn, act, [user_id], outcome, at_us)
        return None if row is None else (row, balance)

    found = rt.db.write(work)
    if found is None:
        raise NotFound(f"no enrolled participant {user_id!r}", field="user_id")
    row, balance = found
    return ParticipantRecord(
        user_id=row.user_id,
        enrolled_at=from_us(row.enrolled_at_us),
        consent_scopes=tuple(s for s in row.consent_scopes.split(";") if s),
        consent_at=None if row.consent_at_us is None else from_us(row.consent_at_us),
        withdrawn_at=None if row.withdrawn_at_us is None else from_us(row.withdrawn_at_us),
        gender=row.gender,
        birth_year=row.birth_year,
        province=row.province,
        balance_g=balance,
    )
