"""The ledger audit: every invariant of the energy ledger, checked against what is stored.

Why a detective check beside the preventive ones: ``domain.ledger.post`` and the database's
constraints stop bad moves as they happen; this recomputes every balance from the transfers
alone and compares, so a bug in the cache, a hand edit or a lost write is found, not assumed
away (MEASURED §1.7). Run by ``saxaul ledger audit``, after each step of the stateful test and
after the stress test.

Checks: Σ over all accounts = 0; no never-negative account below 0 (``check_invariants``);
each cached balance equals the sum of its transfers; every transfer names open accounts; no
transfer id applied twice; no ball gave away more than it was awarded.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, literal, select, union_all

from saxaul.domain.accounts import prefix
from saxaul.domain.ledger import Account, AccountKind, Balances, check_invariants
from saxaul.services.runtime import Runtime
from saxaul.store.tables import balls, ledger_accounts, ledger_transfers


@dataclass(frozen=True, slots=True)
class LedgerAudit:
    """Totals by account kind (grams) and every broken invariant, as sentences."""

    by_kind: dict[str, int]
    accounts: int
    transfers: int
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every invariant holds."""
        return not self.problems

    @property
    def issued_g(self) -> int:
        """All energy ever issued net of reversals: minus the issuance and gifts balances."""
        return -self.by_kind.get(AccountKind.ISSUANCE, 0) - self.by_kind.get(AccountKind.GIFTS, 0)


def audit(rt: Runtime) -> LedgerAudit:
    """Recompute every balance from the transfers and check the ledger's invariants."""
    t = ledger_transfers.c
    moves = union_all(
        select(t.debit_account.label("account"), (-t.amount_g).label("g")),
        select(t.credit_account.label("account"), t.amount_g.label("g")),
    ).subquery()
    with rt.engine.connect() as conn:
        derived = {
            row[0]: int(row[1])
            for row in conn.execute(
                select(moves.c.account, func.sum(moves.c.g)).group_by(moves.c.account)
            )
        }
        rows = conn.execute(
            select(
                ledger_accounts.c.id,
                ledger_accounts.c.kind,
                ledger_accounts.c.user_id,
                ledger_accounts.c.balance_g,
            )
        ).all()
        count, distinct = conn.execute(select(func.count(), func.count(t.id.distinct()))).one()
        misfunded = conn.execute(
            select(balls.c.id, balls.c.amount_g, literal(0))
            .join(ledger_transfers, t.credit_account == prefix(AccountKind.BALL) + balls.c.id)
            .where(t.kind == "award", t.amount_g != balls.c.amount_g)
        ).all()
    accounts = {row.id: Account(row.id, AccountKind(row.kind), row.user_id) for row in rows}
    problems = check_invariants(Balances(derived), accounts)
    for row in rows:
        if row.balance_g is not None and row.balance_g != derived.get(row.id, 0):
            problems.append(
                f"account {row.id} caches {row.balance_g} g but its transfers sum to "
                f"{derived.get(row.id, 0)} g"
            )
    if count != distinct:
        problems.append(f"{count - distinct} transfer ids were applied more than once")
    problems.extend(f"ball {row.id} was funded with a different amount" for row in misfunded)
    by_kind: Counter[str] = Counter()
    for account_id, grams in derived.items():
        account = accounts.get(account_id)
        by_kind[account.kind.value if account else "unknown"] += grams
    return LedgerAudit(dict(by_kind), len(rows), int(count), problems)
