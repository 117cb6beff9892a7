"""One batch's working ledger: the accounts it loaded, their balances, and what it posted.

Why one model: a batch of game moves (``play.Table``) and a batch of refunds and chargebacks
(``reversal.Reversals``) keep the same books. Each loads its accounts with their cached
balances (locked by the store until commit), posts every step's transfers all or none through
``ledger.post_together`` so later steps see what earlier ones moved, opens the accounts it
creates (a co-planted tree's pool, a debtor's debt account), follows what each participant owes,
and leaves the store one list of transfers to append and one of accounts to open. What a
refusal means differs (a game move refused is an answer to a participant; a clawback refused is
a defect), so ``post`` answers the refusal and the caller raises its own error.

System accounts start at 0 unless the caller gives a balance, so what they show afterwards is
the batch's delta (``reversal.Reversals`` gives ``expired`` a lower bound of what is really
there, because a clawback may take from it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from saxaul.domain.accounts import participant_account_id
from saxaul.domain.energy import Ball
from saxaul.domain.ledger import Account, AccountKind, Transfer, TransferResult, post_together


@dataclass(slots=True, kw_only=True)
class Book:
    """The state a batch posts against, and what it changed (to be written by the store).

    ``balances`` is mutable: each step posts against just the accounts it touches, so a batch
    of n steps costs O(n), not O(n²). ``owed_g`` is what each loaded debtor owes, kept up to
    date by every transfer into or out of a debt account.
    """

    now: dt.datetime
    accounts: dict[str, Account]
    balances: dict[str, int]
    balls: dict[str, Ball]
    owed_g: dict[str, int] = field(default_factory=dict)
    transfers: list[Transfer] = field(default_factory=list)
    opened: dict[str, Account] = field(default_factory=dict)

    def balance(self, user_id: str) -> int:
        """A participant's spendable energy in this batch."""
        return self.balances.get(participant_account_id(user_id), 0)

    def open(self, account: Account) -> None:
        """Open ``account`` in this batch (the store opens it on commit) unless it is loaded."""
        if account.id not in self.accounts:
            self.accounts[account.id] = account
            self.opened[account.id] = account

    def post(self, transfers: Sequence[Transfer]) -> TransferResult | None:
        """Post one step's ``transfers`` all or none; the first refusal, or ``None`` when done."""
        refused = post_together(self.balances, transfers, self.accounts)
        if refused is not None:
            return refused
        self.transfers.extend(transfers)
        for transfer in transfers:
            self._follow_debt(transfer)
        return None

    def _follow_debt(self, transfer: Transfer) -> None:
        """A debt account is debited when debt is made and credited when it is repaid."""
        for account_id, sign in ((transfer.debit_account, 1), (transfer.credit_account, -1)):
            account = self.accounts[account_id]
            if account.kind is AccountKind.DEBT and account.user_id is not None:
                owed = self.owed_g.get(account.user_id, 0) + sign * transfer.amount_g
                self.owed_g[account.user_id] = owed
