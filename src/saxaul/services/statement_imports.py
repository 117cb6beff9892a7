"""Statements brought from another instance: verified, kept verbatim, listed, never credited.

Why read-only history and never energy: the energy a statement lists was issued by another
instance's ledger, against that instance's awards and its methodology packs, and is already
counted there (spent, collected, or still held). Crediting it here would issue the same energy
twice, from a ledger this instance cannot audit, so an imported statement touches no account:
it is the participant's record of what they did elsewhere, kept byte for byte so it still
verifies against its issuer's key.

Who brings one: the participant (``POST /v1/me/statements``) or the operator on their request
(``saxaul statement import FILE --as USER_ID``). The same file twice is kept once (the same id
comes back). A file that is not genuine, not a statement or not consistent is refused with the
reason (``statement_invalid``).

Example: ``bring(rt, "u1", data)`` → ``Brought(Imported(id=1, …), created=True)``; again →
``created=False``, the same id.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from saxaul.domain.clock import from_us, to_us
from saxaul.domain.errors import NotFound
from saxaul.domain.paging import MAX_PAGE
from saxaul.domain.statements import period_us
from saxaul.services import statement_seal
from saxaul.services.runtime import Runtime
from saxaul.store import participants_repo, statements_repo
from saxaul.store.statements_repo import ImportedRow
from saxaul.store.uow import WriteUnitOfWork


@dataclass(frozen=True, slots=True)
class Imported:
    """An imported statement as the lists show it; ``file`` is the signed file, verbatim."""

    id: int
    sha256: str
    issuer_key_id: str
    origin_user_id: str
    period_from: dt.datetime
    period_to: dt.datetime
    generated_at: dt.datetime
    imported_at: dt.datetime
    file: bytes


@dataclass(frozen=True, slots=True)
class Brought:
    """What bringing a statement did: the stored statement, and whether it was new."""

    statement: Imported
    created: bool


def bring(rt: Runtime, user: str, data: bytes, pinned: bytes | None = None) -> Brought:
    """Verify ``data`` (against ``pinned`` if given) and keep it for ``user``, once.

    ``user`` must be enrolled here; the statement's own participant id (``origin_user_id``) is
    theirs at the issuing instance and may differ. No ledger account is read or written.
    """
    verified = statement_seal.verify(data, pinned)
    statement = verified.statement
    start, end = period_us(statement)
    row = ImportedRow(
        id=0,
        user_id=user,
        sha256=hashlib.sha256(data).hexdigest(),
        issuer_key_id=verified.key_id,
        origin_user_id=statement["participant"]["user_id"],
        period_from_us=start,
        period_to_us=end,
        generated_at_us=to_us(dt.datetime.fromisoformat(statement["generated_at"])),
        imported_at_us=to_us(rt.clock.now()),
        document=data.decode("utf-8"),
    )

    def work(conn: WriteUnitOfWork) -> tuple[ImportedRow, bool]:
        if not participants_repo.is_enrolled(conn, user):
            raise NotFound(f"no participant {user}", user_id=user)
        return statements_repo.insert_imported(conn, row)

    stored, created = rt.db.write(work)
    return Brought(_imported(stored), created)


def imported(rt: Runtime, user: str, limit: int, after_id: int = 0) -> list[Imported]:
    """``user``'s imported statements after ``after_id``, oldest first."""
    limit = max(1, min(limit, MAX_PAGE))
    with rt.db.reading() as conn:
        rows = statements_repo.imported(conn, user, limit, after_id)
    return [_imported(row) for row in rows]


def imported_one(rt: Runtime, user: str, statement_id: int) -> Imported:
    """One of ``user``'s imported statements; anyone else's is ``not_found``."""
    with rt.db.reading() as conn:
        row = statements_repo.imported_one(conn, user, statement_id)
    if row is None:
        raise NotFound(f"you have no imported statement {statement_id}", statement_id=statement_id)
    return _imported(row)


def _imported(row: ImportedRow) -> Imported:
    return Imported(
        id=row.id,
        sha256=row.sha256,
        issuer_key_id=row.issuer_key_id,
        origin_user_id=row.origin_user_id,
        period_from=from_us(row.period_from_us),
        period_to=from_us(row.period_to_us),
        generated_at=from_us(row.generated_at_us),
        imported_at=from_us(row.imported_at_us),
        file=row.document.encode("utf-8"),
    )
