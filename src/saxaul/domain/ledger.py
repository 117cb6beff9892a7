"""The energy ledger: accounts and transfers in TigerBeetle's shape, and nothing more.

The rule (its one home): energy moves only by a ``Transfer`` of whole grams > 0 from one existing
account to another; its ``id`` is the idempotency key, so each id moves energy at most once; an
account flagged ``must_not_go_negative`` is never debited below 0. Nothing is updated or deleted:
a mistake is undone by a new transfer (``reversal`` or ``correction``). Every transfer debits one
account and credits another by the same amount, so the balances always sum to 0.

``post`` takes a batch and answers one ``TransferResult`` per transfer, in order, as TigerBeetle's
``create_transfers`` does: good transfers proceed, refused ones change nothing (errors as values).

Example, balance = credits − debits; open accounts ``issuance``, ``ball:b1`` (a ball of u1),
``user:u1`` and ``user:u2``:

    t1 award    issuance → ball:b1  15 g   ok                ball:b1 15, issuance −15
    t2 collect  ball:b1  → user:u1  15 g   ok                ball:b1 0,  user:u1 15
    t3 steal    ball:b1  → user:u2   5 g   exceeds_balance   (the ball is empty; nothing moves)
    t1 again, same fields              exists            (harmless: nothing moves twice)
    t1 again, 16 g                     exists_with_different_fields

    → issuance −15, user:u1 15; Σ = 0.

Which account kinds may go negative is decided here, by kind, so no caller can open a participant
account that overdraws. Which kinds a transfer kind may join (a steal comes from a ball) belongs to
the energy rules (``domain/energy.py``), not to the ledger.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import Flag, StrEnum, auto
from types import MappingProxyType


class AccountKind(StrEnum):
    """What an account holds; the kind decides the account's flags."""

    PARTICIPANT = "participant"
    """A participant's collected energy, spendable on watering and planting; never negative."""
    BALL = "ball"
    """One energy ball: holds its award until collected, stolen or expired; never negative, so a
    ball can never give away more than it was awarded (a ball resolves at most once)."""
    ISSUANCE = "issuance"
    """Where scored energy comes from: its balance is minus all energy ever awarded."""
    GIFTS = "gifts"
    """Where energy given outside scoring comes from (welcome gifts, campaigns); goes negative."""
    EXPIRED = "expired"
    """Where an uncollected ball's remainder goes after expiry, so no gram ever vanishes."""
    PLANTED = "planted"
    """Where energy spent on trees and protected land goes; never negative."""
    DEBT = "debt"
    """What one participant owes after a reversal found their energy already spent
    (``debt:<user>``); goes negative, and future energy settles it back towards 0."""
    TREE = "tree"
    """A co-planted tree's pool (``tree:<id>``): friends' shares wait here until the tree's cost
    is reached; never negative."""
    HOLD = "hold"
    """Energy held by one abuse flag (``hold:<flag id>``) until an operator releases it to its
    participant or confirms the flag; never negative (``domain/holds.py``)."""
    FORFEITED = "forfeited"
    """Where held energy goes when an operator confirms the flag, so no gram vanishes."""


class AccountFlags(Flag):
    """Constraints ``post`` enforces on an account (TigerBeetle's account flags)."""

    NONE = 0
    """No constraint: a source account (issuance, gifts, debt) that goes negative by design."""
    MUST_NOT_GO_NEGATIVE = auto()
    """Debits may never exceed credits: a debit that would take the balance below 0 is refused."""


_NEVER_NEGATIVE = frozenset(
    {
        AccountKind.PARTICIPANT,
        AccountKind.BALL,
        AccountKind.EXPIRED,
        AccountKind.PLANTED,
        AccountKind.TREE,
        AccountKind.HOLD,
        AccountKind.FORFEITED,
    }
)


@dataclass(frozen=True, slots=True)
class Account:
    """A ledger account, e.g. ``Account("user:u1", AccountKind.PARTICIPANT, "u1")``.

    ``user_id`` names the owner of a participant or ball account; system accounts have none.
    """

    id: str
    kind: AccountKind
    user_id: str | None = None

    @property
    def flags(self) -> AccountFlags:
        """Derived from the kind, so a participant account cannot be opened without its guard."""
        if self.must_not_go_negative:
            return AccountFlags.MUST_NOT_GO_NEGATIVE
        return AccountFlags.NONE

    @property
    def must_not_go_negative(self) -> bool:
        """Whether ``post`` refuses debits beyond this account's balance: by the kind, read
        directly because ``post`` asks for every debit (``Flag`` membership is slower)."""
        return self.kind in _NEVER_NEGATIVE


class TransferKind(StrEnum):
    """Why energy moved (TigerBeetle's ``code``); the ledger records it and checks nothing by it."""

    AWARD = "award"
    """A scored award becomes a ball: issuance → ball."""
    COLLECT = "collect"
    """The owner collects a ripe ball: ball → the owner's participant account."""
    STEAL = "steal"
    """A friend takes a share of a ripe ball: ball → the friend's participant account."""
    WATER = "water"
    """A participant gives energy to a friend: participant → participant."""
    GIFT = "gift"
    """Energy given outside scoring: gifts → participant."""
    PLANT = "plant"
    """Energy spent on a tree: participant → planted, or a full pool → planted."""
    POOL = "pool"
    """A participant's share towards a co-planted tree: participant → the tree's pool."""
    EXPIRE = "expire"
    """An uncollected ball's remainder after expiry: ball → expired."""
    REVERSAL = "reversal"
    """Undoes one earlier transfer (named in ``reference``): same amount, legs swapped."""
    CORRECTION = "correction"
    """Any other compensating entry, e.g. a shortfall moved to or repaid from ``debt``."""
    HOLD = "hold"
    """Energy an abuse flag holds: a flagged ball, or a participant's gains → ``hold:<flag>``."""
    RELEASE = "release"
    """An operator releases a hold: ``hold:<flag>`` → the ball, or the participant."""
    FORFEIT = "forfeit"
    """An operator confirms a flag: ``hold:<flag>`` → ``forfeited``."""


@dataclass(frozen=True, slots=True)
class Transfer:
    """Move ``amount_g`` whole grams from ``debit_account`` to ``credit_account``.

    ``id`` is the idempotency key: sending it again is harmless. ``reference`` names what caused
    the move (a ball id, an award id, a reversed transfer id). ``post`` checks the fields, so a
    malformed transfer is a refusal value, never an exception.
    """

    id: str
    debit_account: str
    credit_account: str
    amount_g: int
    kind: TransferKind
    at: dt.datetime
    reference: str


class TransferCode(StrEnum):
    """The outcome of one transfer in a batch, refusals in order of precedence."""

    OK = "ok"
    """Applied: the debit and credit are posted."""
    EXISTS = "exists"
    """This id was already applied with identical fields: nothing moves again, and that is fine."""
    EXISTS_WITH_DIFFERENT_FIELDS = "exists_with_different_fields"
    """This id was already applied with other fields: a conflict, never a second move."""
    AMOUNT_MUST_BE_POSITIVE = "amount_must_be_positive"
    """``amount_g`` is 0 or negative: move whole grams > 0 and swap the legs to go the other way."""
    SAME_ACCOUNT = "same_account"
    """Debit and credit name the same account."""
    ACCOUNTS_MUST_EXIST = "accounts_must_exist"
    """The debit or credit account is not open."""
    EXCEEDS_BALANCE = "exceeds_balance"
    """The debit would take a must-not-go-negative account below 0."""


@dataclass(frozen=True, slots=True)
class TransferResult:
    """What ``post`` did with the transfer of this id."""

    transfer_id: str
    code: TransferCode


def _move(by_account: dict[str, int], transfer: Transfer) -> None:
    """The one place energy moves: debit lowers a balance, credit raises it, by the same amount."""
    debit, credit, amount_g = transfer.debit_account, transfer.credit_account, transfer.amount_g
    by_account[debit] = by_account.get(debit, 0) - amount_g
    by_account[credit] = by_account.get(credit, 0) + amount_g


class Balances(Mapping[str, int]):
    """Immutable account id → balance in grams (credits − debits); absent means 0.

    Zero balances are not stored, so two ``Balances`` are equal exactly when every account's
    balance is. Example: ``Balances({"issuance": -15, "user:u1": 15, "ball:b1": 0})`` has two
    entries and ``.get("ball:b1", 0) == 0``.
    """

    __slots__ = ("_by_account",)

    def __init__(self, by_account: Mapping[str, int] | None = None) -> None:
        self._by_account = MappingProxyType(
            {account_id: g for account_id, g in (by_account or {}).items() if g}
        )

    def __getitem__(self, account_id: str) -> int:
        return self._by_account[account_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_account)

    def __len__(self) -> int:
        return len(self._by_account)

    def __repr__(self) -> str:
        return f"Balances({dict(self._by_account)!r})"

    def apply(self, transfers: Iterable[Transfer]) -> Balances:
        """Fold already-accepted transfers in, unchecked: replaying stored entries, or a model.

        A cached balance must equal the fold of its account's entries (the ledger audit checks
        it); this is that fold. New transfers go through ``post``, which checks them first.
        """
        by_account = dict(self._by_account)
        for transfer in transfers:
            _move(by_account, transfer)
        return Balances(by_account)


def _refusal(
    transfer: Transfer,
    by_account: Mapping[str, int],
    accounts: Mapping[str, Account],
    applied: Mapping[str, Transfer],
) -> TransferCode:
    """The first rule (in ``TransferCode`` order) that ``transfer`` breaks, or ``OK``.

    The id comes first: a transfer already applied is answered by its id alone, whatever else
    changed since (an account closed, a balance spent), so a retry always learns it landed.
    """
    earlier = applied.get(transfer.id)
    if earlier is not None:
        return (
            TransferCode.EXISTS
            if earlier == transfer
            else TransferCode.EXISTS_WITH_DIFFERENT_FIELDS
        )
    if transfer.amount_g <= 0:
        return TransferCode.AMOUNT_MUST_BE_POSITIVE
    if transfer.debit_account == transfer.credit_account:
        return TransferCode.SAME_ACCOUNT
    debit = accounts.get(transfer.debit_account)
    if debit is None or transfer.credit_account not in accounts:
        return TransferCode.ACCOUNTS_MUST_EXIST
    if debit.must_not_go_negative and by_account.get(debit.id, 0) < transfer.amount_g:
        return TransferCode.EXCEEDS_BALANCE
    return TransferCode.OK


def post(
    balances: Balances,
    transfers: Iterable[Transfer],
    accounts: Mapping[str, Account],
    applied: Mapping[str, Transfer],
) -> tuple[Balances, Mapping[str, Transfer], tuple[TransferResult, ...]]:
    """Apply a batch in order; return new balances, applied transfers and one result each.

    ``applied`` maps the ids already applied to their transfers; it need only hold the batch's
    ids (the store looks them up). Each transfer is checked against the balances left by the
    ones before it, so a collect earlier in the batch can pay for a plant later in it, and a
    repeated id later in the batch is ``exists``. A refused transfer is not recorded, so the same
    id may be sent again once fixed (or once the balance allows it). Nothing is mutated.
    """
    by_account = dict(balances)
    now_applied = dict(applied)
    results = _apply(by_account, transfers, accounts, now_applied)
    return Balances(by_account), MappingProxyType(now_applied), tuple(results)


def _apply(
    by_account: dict[str, int],
    transfers: Iterable[Transfer],
    accounts: Mapping[str, Account],
    applied: dict[str, Transfer],
) -> list[TransferResult]:
    """Check each transfer in order and move the good ones in ``by_account`` and ``applied``
    (both updated in place): the loop ``post`` and ``post_together`` share."""
    results: list[TransferResult] = []
    for transfer in transfers:
        code = _refusal(transfer, by_account, accounts, applied)
        if code is TransferCode.OK:
            _move(by_account, transfer)
            applied[transfer.id] = transfer
        results.append(TransferResult(transfer.id, code))
    return results


def post_together(
    balances: dict[str, int], transfers: Iterable[Transfer], accounts: Mapping[str, Account]
) -> TransferResult | None:
    """Post ``transfers`` all or none into ``balances``; the first refusal, or ``None``.

    For a move made of several transfers (a pool that also plants, a collect that repays a
    debt, a clawback in four parts): either every transfer applies or nothing does. Only the
    accounts the transfers touch are read and written, so a batch of n moves costs O(n), and
    ``balances`` (a working copy, e.g. one batch's) changes only when every transfer is ``ok``.
    """
    batch = list(transfers)
    touched = {a: balances.get(a, 0) for t in batch for a in (t.debit_account, t.credit_account)}
    results = _apply(touched, batch, accounts, {})
    refused = next((r for r in results if r.code is not TransferCode.OK), None)
    if refused is None:
        balances.update(touched)
    return refused


def check_invariants(balances: Balances, accounts: Mapping[str, Account]) -> list[str]:
    """Every broken ledger invariant (Σ of all balances = 0; no never-negative account below 0),
    as sentences; empty when sound.

    Detective twin of ``post``'s preventive checks, for scans of stored balances. Example:
    ``check_invariants(Balances({"user:u1": -3, "issuance": 3}), accounts)`` →
    ``["account user:u1 (participant) is at -3 g but must not go negative"]``.
    """
    problems = [total_problem(sum(balances.values()))]
    problems += [account_problem(a, accounts.get(a), g) for a, g in balances.items()]
    return [problem for problem in problems if problem is not None]


def total_problem(total_g: int) -> str | None:
    """What is wrong with the sum of every balance, or ``None``: it must be 0."""
    return None if total_g == 0 else f"balances sum to {total_g} g, not 0"


def account_problem(account_id: str, account: Account | None, balance_g: int) -> str | None:
    """What is wrong with one account's balance, or ``None``: a balance on an account that is
    not open, or a never-negative account below 0. Checked account by account, so an audit can
    stream millions of accounts instead of holding them."""
    if account is None:
        return f"account {account_id} holds {balance_g} g but is not open"
    if account.must_not_go_negative and balance_g < 0:
        return f"account {account_id} ({account.kind}) is at {balance_g} g but must not go negative"
    return None
