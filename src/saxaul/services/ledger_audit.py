"""The ledger audit: every invariant of the energy ledger, checked against what is stored.

Why a detective check beside the preventive ones: ``domain.ledger.post`` and the database's
constraints stop bad moves as they happen; this recomputes every balance from the transfers
alone and compares, so a bug in the cache, a hand edit or a lost write is found, not assumed
away. Run by ``saxaul ledger audit``, after each step of the stateful test and after the stress
test.

Checks: Σ over all accounts = 0; no never-negative account below 0 (``domain.ledger``);
each cached balance equals the sum of its transfers; every transfer names open accounts; no
transfer id applied twice; no ball gave away more than it was awarded.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from saxaul.domain.ledger import AccountKind, account_problem, total_problem
from saxaul.services.runtime import Runtime
from saxaul.store import audit_repo


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
    """Recompute every balance from the transfers and check the ledger's invariants.

    Accounts stream past in batches (``audit_repo.account_balances``) and are checked one by
    one (``domain.ledger.account_problem``), so memory holds one batch and the totals by kind,
    whatever the ledger's size."""
    problems: list[str] = []
    by_kind: Counter[str] = Counter()
    accounts = 0
    with rt.db.reading() as conn:
        for batch in audit_repo.account_balances(conn):
            accounts += len(batch)
            for account, cached, derived in batch:
                by_kind[account.kind.value] += derived
                problem = account_problem(account.id, account, derived)
                if problem is not None:
                    problems.append(problem)
                if cached is not None and cached != derived:
                    problems.append(
                        f"account {account.id} caches {cached} g but its transfers sum to "
                        f"{derived} g"
                    )
        unopened = audit_repo.unopened_balances(conn)
        count, distinct = audit_repo.transfer_counts(conn)
        misfunded = audit_repo.misfunded_balls(conn)
    for account_id, grams in unopened.items():
        by_kind["unknown"] += grams
        problems.append(str(account_problem(account_id, None, grams)))
    total = total_problem(sum(by_kind.values()))
    if total is not None:
        problems.insert(0, total)
    if count != distinct:
        problems.append(f"{count - distinct} transfer ids were applied more than once")
    problems.extend(f"ball {ball_id} was funded with a different amount" for ball_id in misfunded)
    return LedgerAudit(dict(by_kind), accounts, count, problems)
