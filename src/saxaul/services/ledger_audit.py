"""The ledger audit: every invariant of the energy ledger, checked against what is stored.

Why a detective check beside the preventive ones: ``domain.ledger.post`` and the database's
constraints stop bad moves as they happen; this recomputes every balance from the transfers
alone and compares, so a bug in the cache, a hand edit or a lost write is found, not assumed
away. Run by ``saxaul ledger audit``, after each step of the stateful test and after the stress
test.

Checks: Σ over all accounts = 0; no never-negative account below 0 (``check_invariants``);
each cached balance equals the sum of its transfers; every transfer names open accounts; no
transfer id applied twice; no ball gave away more than it was awarded.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from saxaul.domain.ledger import AccountKind, Balances, check_invariants
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
    """Recompute every balance from the transfers and check the ledger's invariants."""
    with rt.db.reading() as conn:
        derived = audit_repo.derived_balances(conn)
        rows = audit_repo.accounts_with_cache(conn)
        count, distinct = audit_repo.transfer_counts(conn)
        misfunded = audit_repo.misfunded_balls(conn)
    accounts = {account.id: account for account, _ in rows}
    problems = check_invariants(Balances(derived), accounts)
    for account, cached in rows:
        if cached is not None and cached != derived.get(account.id, 0):
            problems.append(
                f"account {account.id} caches {cached} g but its transfers sum to "
                f"{derived.get(account.id, 0)} g"
            )
    if count != distinct:
        problems.append(f"{count - distinct} transfer ids were applied more than once")
    problems.extend(f"ball {ball_id} was funded with a different amount" for ball_id in misfunded)
    by_kind: Counter[str] = Counter()
    for account_id, grams in derived.items():
        known = accounts.get(account_id)
        by_kind[known.kind.value if known else "unknown"] += grams
    return LedgerAudit(dict(by_kind), len(rows), count, problems)
