"""Held energy: what an abuse flag holds, and where it goes when an operator decides.

Why in the ledger and not a status column: a held gram must stay counted (the ledger's
balances sum to 0) and must not be takeable, and the ledger already guarantees both if the
grams simply sit in another account. So a flag ``f`` holds its energy in ``hold:<f>`` (never
negative): a flagged award's ball is minted as usual and its grams moved on at once
(``hold:<f>`` ball → hold), leaving the ball empty, so no collect, steal or expiry can touch
it; a flagged participant's gains move from their account the same way. The operator's
decision then moves the hold once, by a transfer whose id is the idempotency key:

* ``release`` → ``release:<f>``: back to the ball while it can still be collected, else
  straight to the owner's account (the wait was not their fault, and an expired ball could
  no longer be collected);
* ``confirm`` → ``forfeit:<f>``: to the ``forfeited`` account.

Example: award 7 of u1 (40 g) flagged as flag 3 → ``award:7 issuance → ball:7 40``,
``hold:3 ball:7 → hold:3 40``; released before expiry → ``release:3 hold:3 → ball:7 40``, and
u1 collects it as any ball. Σ stays 0 at every step.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from saxaul.domain.accounts import (
    FORFEITED_ACCOUNT_ID,
    ball_account_id,
    hold_account_id,
    participant_account_id,
)
from saxaul.domain.errors import DomainError
from saxaul.domain.ledger import Transfer, TransferKind


class FlagStatus(StrEnum):
    """Where a flag is in review."""

    OPEN = "open"
    """Waiting for an operator; its energy (if any) is held."""
    RELEASED = "released"
    """Judged human: the held energy went back to the participant."""
    CONFIRMED = "confirmed"
    """Judged abuse: the held energy went to ``forfeited``."""


class Decision(StrEnum):
    """What an operator decides about an open flag."""

    RELEASE = "release"
    CONFIRM = "confirm"

    @property
    def status(self) -> FlagStatus:
        """The status this decision leaves the flag in."""
        return FlagStatus.RELEASED if self is Decision.RELEASE else FlagStatus.CONFIRMED


class DecisionRefused(DomainError):
    """A decision that contradicts the one already taken: ``already_decided``."""

    code = "decision_refused"


@dataclass(frozen=True, slots=True)
class Flag:
    """One abuse flag: who, which rule of which rules version, why, the evidence, what it holds.

    ``ball_id`` names the flagged award's ball (plausibility rules), else ``None`` (detectors).
    ``held_g`` is what was held when the flag was raised; what is still held is the balance of
    ``hold:<id>``.
    """

    id: int
    user_id: str
    rule_id: str
    rules_ref: str
    reason_en: str
    reason_zh: str
    evidence: dict[str, Any]
    held_g: int
    status: FlagStatus
    created_at: dt.datetime
    ball_id: str | None = None
    decided_by: str | None = None
    decided_at: dt.datetime | None = None
    note: str | None = None
    key: str = field(default="", compare=False)

    @property
    def account_id(self) -> str:
        """The ledger account holding this flag's energy."""
        return hold_account_id(self.id)


def hold(
    flag_id: int, source_account: str, grams: int, at: dt.datetime, reference: str
) -> Transfer:
    """The transfer that holds ``grams`` of ``source_account`` (a ball, or a participant) for
    flag ``flag_id``; ``reference`` names the ball or the participant."""
    return Transfer(
        id=f"hold:{flag_id}",
        debit_account=source_account,
        credit_account=hold_account_id(flag_id),
        amount_g=grams,
        kind=TransferKind.HOLD,
        at=at,
        reference=reference,
    )


def already_decided(flag: Flag, decision: Decision) -> bool:
    """Whether ``decision`` was already taken (a retry: nothing to do), refusing the opposite.

    Example: a flag released once → ``already_decided(flag, RELEASE) is True``; asking to
    confirm it now → ``DecisionRefused`` ``already_decided``.
    """
    if flag.status is FlagStatus.OPEN:
        return False
    if flag.status is decision.status:
        return True
    raise DecisionRefused(
        f"flag {flag.id} was already {flag.status} by {flag.decided_by}; "
        "a decision is final, raise a new flag instead",
        code="already_decided",
        flag_id=flag.id,
        status=str(flag.status),
    )


def settle(
    flag: Flag,
    decision: Decision,
    held_g: int,
    now: dt.datetime,
    *,
    ball_expires_at: dt.datetime | None,
) -> tuple[Transfer, ...]:
    """The transfers that carry out ``decision`` on an open flag holding ``held_g`` now.

    ``ball_expires_at``: when the flagged ball expires (``None``: no ball). Released energy goes
    back to the ball while ``now`` is before it, else to the participant's account.
    """
    if held_g <= 0:
        return ()
    if decision is Decision.CONFIRM:
        credit, kind, prefix = FORFEITED_ACCOUNT_ID, TransferKind.FORFEIT, "forfeit"
    elif flag.ball_id is not None and ball_expires_at is not None and now < ball_expires_at:
        credit, kind, prefix = ball_account_id(flag.ball_id), TransferKind.RELEASE, "release"
    else:
        credit, kind, prefix = participant_account_id(flag.user_id), TransferKind.RELEASE, "release"
    return (
        Transfer(
            id=f"{prefix}:{flag.id}",
            debit_account=flag.account_id,
            credit_account=credit,
            amount_g=held_g,
            kind=kind,
            at=now,
            reference=flag.ball_id or flag.user_id,
        ),
    )
