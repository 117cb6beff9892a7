"""Debt (欠款): energy a reversal could not claw back, settled from future energy.

Why a debt account per participant: when a refunded payment's energy has already been spent on a
tree, the ledger cannot take it back from ``planted`` (the tree is promised). The shortfall is
recorded as ``debt:<user> → issuance`` (the debt account goes negative by the amount owed), and
each later credit to that participant repays it first with ``user:<u> → debt:<u>``. Both are
compensating transfers; nothing is edited, and Σ over all accounts stays 0.
"""

from __future__ import annotations

import datetime as dt

from saxaul.domain.accounts import debt_account_id, participant_account_id
from saxaul.domain.ledger import Transfer, TransferKind


def settle(
    user_id: str, owed_g: int, available_g: int, now: dt.datetime, cause: str
) -> Transfer | None:
    """Repay as much of ``owed_g`` as ``available_g`` allows, or ``None`` when nothing is owed.

    ``cause`` is the id of the transfer that brought the energy in, so the settlement's key
    ``settle:<cause>`` is as idempotent as its cause. Example: u1 owes 30 g and collects 25 g →
    ``settle:collect:a7 user:u1 → debt:u1 25 g``; 5 g are still owed.
    """
    grams = min(owed_g, available_g)
    if grams <= 0:
        return None
    return Transfer(
        id=f"settle:{cause}",
        debit_account=participant_account_id(user_id),
        credit_account=debt_account_id(user_id),
        amount_g=grams,
        kind=TransferKind.CORRECTION,
        at=now,
        reference=cause,
    )
