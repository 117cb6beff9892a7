"""Ledger account ids: how every account is named, built, read back and classified.

Why one home: the same id is made by the rules (a steal credits ``user:<thief>``), matched by
the store (``'ball:' || balls.id`` in SQL), read back (who took from a ball) and shown to people
(a ledger statement). Spelled out in each of those places, one changed prefix splits an
account in two, and a key that holds ``:`` is read back cut short (``split(":")[1]``).

Two shapes (ADR 0006):

* an owned account is ``<prefix>:<key>``: ``user:<user id>`` (spendable energy),
  ``ball:<award id>`` (a ball holding its award), ``tree:<tree id>`` (a co-planted tree's pool),
  ``debt:<user id>`` (what a participant owes), ``hold:<flag id>`` (energy an abuse flag
  holds). The key is everything after the FIRST ``:``, so
  a key may hold ``:`` itself: ``parse("user:wx:42") == AccountId(AccountKind.PARTICIPANT,
  "wx:42")``;
* a system account is named by its kind alone: ``issuance``, ``gifts``, ``expired``,
  ``planted``, ``forfeited``. None holds ``:``, so no owned id can ever be read as a system one.

The system names are fixed here, not in a data file: they are identifiers the stored ledger
already uses (migration 0002 opens them), not numbers a methodology may tune.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from saxaul.domain.errors import DomainError
from saxaul.domain.ledger import Account, AccountKind

SEPARATOR = ":"
"""Between an owned account's prefix and its key."""

_PREFIXES: Mapping[AccountKind, str] = MappingProxyType(
    {
        AccountKind.PARTICIPANT: "user",
        AccountKind.BALL: "ball",
        AccountKind.TREE: "tree",
        AccountKind.DEBT: "debt",
        AccountKind.HOLD: "hold",
    }
)
OWNED_KINDS = frozenset(_PREFIXES)
"""Kinds with one account per thing (a participant, a ball, a tree, a debtor)."""
SYSTEM_KINDS = frozenset(AccountKind) - OWNED_KINDS
"""Kinds with a single account each, named by the kind: sources and sinks of energy."""

# Lookups precomputed because the store reads ids back per row (every take of every ball).
_HEADS = {kind: name + SEPARATOR for kind, name in _PREFIXES.items()}
_OWNED_BY_NAME = {name: kind for kind, name in _PREFIXES.items()}
_SYSTEM_BY_NAME = {kind.value: kind for kind in SYSTEM_KINDS}

ISSUANCE_ACCOUNT_ID = AccountKind.ISSUANCE.value
"""Where every award's energy comes from, and where reversals send it back."""
GIFTS_ACCOUNT_ID = AccountKind.GIFTS.value
"""Where energy given outside scoring comes from."""
EXPIRED_ACCOUNT_ID = AccountKind.EXPIRED.value
"""Where an expired ball's remainder goes."""
PLANTED_ACCOUNT_ID = AccountKind.PLANTED.value
"""Where energy spent on trees goes."""
FORFEITED_ACCOUNT_ID = AccountKind.FORFEITED.value
"""Where held energy goes when its abuse flag is confirmed."""


class AccountIdInvalid(DomainError):
    """A string that names no account: an unknown prefix, or a system name with a key.

    Only stored or derived ids are parsed, so seeing this means the ledger holds an id nothing
    here builds: a defect to report, never a participant's doing.
    """

    code = "account_id_invalid"


@dataclass(frozen=True, slots=True)
class AccountId:
    """An account id read back: its kind and, for an owned account, its key (else ``None``)."""

    kind: AccountKind
    key: str | None = None

    def __str__(self) -> str:
        return build(self.kind, self.key)


def prefix(kind: AccountKind) -> str:
    """What every id of an owned ``kind`` starts with, separator included: ``"ball:"``.

    For the store's SQL, which builds and matches ids set-wise (``prefix(BALL) + balls.c.id``).
    """
    head = _HEADS.get(kind)
    if head is None:
        raise AccountIdInvalid(f"a {kind} account has no prefix: it is the one account {kind}")
    return head


def build(kind: AccountKind, key: str | None = None) -> str:
    """The id of the ``kind`` account for ``key``: ``build(BALL, "a1") == "ball:a1"``,
    ``build(ISSUANCE) == "issuance"``. Owned kinds need a key; system kinds take none."""
    head = _HEADS.get(kind)
    if head is None:
        if key is not None:
            raise AccountIdInvalid(f"the {kind} account is one account; it takes no key ({key})")
        return kind.value
    if key is None:
        raise AccountIdInvalid(f"a {kind} account needs a key (whose account it is)")
    return head + key


def parse(account_id: str) -> AccountId:
    """The kind and key of ``account_id``; ``parse(build(k, x)) == AccountId(k, x)``."""
    name, separator, key = account_id.partition(SEPARATOR)
    if not separator and name in _SYSTEM_BY_NAME:
        return AccountId(_SYSTEM_BY_NAME[name])
    if separator and name in _OWNED_BY_NAME:
        return AccountId(_OWNED_BY_NAME[name], key)
    raise AccountIdInvalid(
        f"{account_id!r} names no account: expected one of "
        f"{', '.join(sorted(prefix(k) + '<id>' for k in OWNED_KINDS))} "
        f"or {', '.join(sorted(k.value for k in SYSTEM_KINDS))}",
        account_id=account_id,
    )


def kind_of(account_id: str) -> AccountKind:
    """What ``account_id`` holds, from its id alone: ``kind_of("tree:t1") is AccountKind.TREE``."""
    return parse(account_id).kind


def key_of(account_id: str, kind: AccountKind) -> str:
    """The key of an id known to be of owned ``kind``: ``key_of("user:u1", PARTICIPANT) == "u1"``.

    Refuses an id of another kind, so a query that matched the wrong accounts fails loudly
    instead of reading a ball id as a user id.
    """
    head = prefix(kind)
    if account_id.startswith(head):
        return account_id[len(head) :]
    raise AccountIdInvalid(
        f"{account_id!r} is a {kind_of(account_id)} account, not a {kind} one",
        account_id=account_id,
    )


def participant_account_id(user_id: str) -> str:
    """A participant's spendable energy: ``participant_account_id("u1") == "user:u1"``."""
    return build(AccountKind.PARTICIPANT, user_id)


def ball_account_id(ball_id: str) -> str:
    """The account holding a ball (a ball's id is its award's): ``"ball:a1"`` for ``"a1"``."""
    return build(AccountKind.BALL, ball_id)


def tree_account_id(tree_id: str) -> str:
    """A co-planted tree's pool: ``tree_account_id("t1") == "tree:t1"``."""
    return build(AccountKind.TREE, tree_id)


def debt_account_id(user_id: str) -> str:
    """What ``user_id`` owes, as a negative balance: ``debt_account_id("u1") == "debt:u1"``."""
    return build(AccountKind.DEBT, user_id)


def hold_account_id(flag_id: int) -> str:
    """The energy abuse flag ``flag_id`` holds: ``hold_account_id(7) == "hold:7"``."""
    return build(AccountKind.HOLD, str(flag_id))


def participant_account(user_id: str) -> Account:
    """The participant account of ``user_id`` (never negative, by its kind)."""
    return Account(participant_account_id(user_id), AccountKind.PARTICIPANT, user_id)


def debt_account(user_id: str) -> Account:
    """The debt account of ``user_id`` (goes negative by design)."""
    return Account(debt_account_id(user_id), AccountKind.DEBT, user_id)


def system_accounts() -> dict[str, Account]:
    """Every system account by id: a batch may move grams to or from any of them."""
    return {
        account.id: account
        for account in (Account(build(kind), kind) for kind in sorted(SYSTEM_KINDS))
    }
