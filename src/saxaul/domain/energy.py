"""Energy balls: the lifecycle rules (collect, steal, expire), in their one home.

Why pure functions: the same steal reaches us from the API, the CLI and the simulator, all through
one service function that loads the ball, calls ``steal`` here and records what it returns (a rule
has one home). Each function takes ``now`` and the rules as arguments and returns a NEW
``Ball`` plus the ledger ``Transfer``s to record; nothing here reads a clock or writes. A rule
that forbids the move raises a ``DomainError`` subclass with a stable ``code`` and a ``detail`` a
person understands.

A ball is a ledger account of kind ``ball`` (``ball:<id>``) funded by one ``award`` transfer from
``issuance``; ``Ball.remaining_g`` is that account's balance. The ledger keeps the ball from ever
giving away more than it holds; these rules decide who may take from it and when:

* it can be taken from only while ripe: ``ripens_at <= now < expires_at``;
* the owner collects the whole remainder; a friend steals ``rules.steal_g(remaining)`` at most
  ``rules.steals_per_ball_per_friend`` times, never while the owner is covered;
* from ``expires_at`` on, only ``expire`` moves it: the remainder goes to ``expired``, so a ball
  never gives away more than its amount and no gram of it vanishes.

Transfer ids are idempotency keys derived from what the request means, not from when it arrived:
``collect:<ball>``, ``steal:<ball>:<thief>:<n>`` (the thief's n-th steal of that ball),
``expire:<ball>`` and ``award:<award>`` (watering: ``domain/watering.py``). A retry computes the
same key, so the ledger answers ``exists`` (or a conflict) instead of moving energy twice.

Example with the shipped rules (ripening 24 h, expiry 72 h after ripe, steal 30 % floor): award
a1 gives u1 a 25 g ball at 2026-03-01 07:12 UTC, ripe from 03-02 07:12 until 03-05 07:12.

    03-01 09:00  u2 steals      → StealRefused not_ripe "…ripens at 2026-03-02 07:12 UTC…"
    03-02 08:00  u2 steals      → steal:a1:u2:1   ball:a1 → user:u2   7 g   (30 % of 25, floor)
    03-02 08:05  u2 steals      → StealRefused already_stolen
    03-02 09:00  u1 collects    → collect:a1      ball:a1 → user:u1  18 g   (ball now empty)

    → issuance −25, user:u2 7, user:u1 18; Σ = 0. Had nobody collected, at 03-05 07:12
      ``expire`` would move the 18 g to ``expired`` instead.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from saxaul.domain.accounts import (
    EXPIRED_ACCOUNT_ID,
    ISSUANCE_ACCOUNT_ID,
    ball_account_id,
    participant_account_id,
)
from saxaul.domain.errors import DomainError
from saxaul.domain.game_rules import EnergyRules
from saxaul.domain.ledger import Account, AccountKind, Transfer, TransferKind

# ---------------------------------------------------------------- refusals


class EnergyRefused(DomainError):
    """An energy move the game rules forbid; ``code`` says which rule, ``detail`` says why."""

    code = "energy_refused"


class CollectRefused(EnergyRefused):
    """The owner may not collect this ball now: ``not_owner``, ``not_ripe``, ``expired`` or
    ``nothing_to_take``."""

    code = "collect_refused"


class StealRefused(EnergyRefused):
    """A friend may not steal from this ball now. Codes, checked in this order: ``own_ball``,
    ``not_friends``, ``not_ripe``, ``expired``, ``already_stolen``, ``covered``, ``daily_limit``,
    ``nothing_to_take``.

    Why this order: strangers learn nothing about a ball (``not_friends`` before its times), and
    what is true of the ball comes before what is true of the thief's day.
    """

    code = "steal_refused"


class ExpireRefused(EnergyRefused):
    """The ball has not expired yet: ``not_expired``."""

    code = "expire_refused"


def when(instant: dt.datetime, now: dt.datetime) -> str:
    """``instant`` for a person, in ``now``'s zone: ``07:12 UTC`` today, else with its date.

    Why ``now``'s zone: the caller decides what local time a person reads (pass ``now`` in their
    zone); the exact instant travels in the refusal's ``fields`` as ISO 8601.
    """
    local = instant.astimezone(now.tzinfo)
    zone = local.tzname() or ""
    shown = f"{local:%H:%M}" if local.date() == now.date() else f"{local:%Y-%m-%d %H:%M}"
    return f"{shown} {zone}".rstrip()


# ---------------------------------------------------------------- the ball


@dataclass(frozen=True, slots=True)
class Ball:
    """One energy ball: ``amount_g`` awarded, ``remaining_g`` still in ``ball:<id>``.

    ``taken_by`` lists every take in order as ``(user_id, grams)``: the owner's collect and each
    friend's steal, so the owner sees who took what. ``expired_g`` is what ``expire`` moved to
    the expired account. Always ``amount_g == remaining_g + taken_g + expired_g``.
    """

    id: str
    owner: str
    behaviour: str
    amount_g: int
    created_at: dt.datetime
    ripens_at: dt.datetime
    expires_at: dt.datetime
    remaining_g: int
    taken_by: tuple[tuple[str, int], ...] = ()
    expired_g: int = 0

    @property
    def account_id(self) -> str:
        """The ledger account holding this ball."""
        return ball_account_id(self.id)

    @property
    def account(self) -> Account:
        """The ball's ledger account, owned by the ball's owner (never negative, by its kind)."""
        return Account(self.account_id, AccountKind.BALL, self.owner)

    @property
    def taken_g(self) -> int:
        """Grams collected or stolen so far."""
        return sum(grams for _, grams in self.taken_by)

    def takes_by(self, user_id: str) -> int:
        """How many times ``user_id`` has taken from this ball."""
        return sum(1 for taker, _ in self.taken_by if taker == user_id)

    def is_ripe(self, now: dt.datetime) -> bool:
        """Whether the ball can be taken from: ``ripens_at <= now < expires_at``."""
        return self.ripens_at <= now < self.expires_at

    def is_expired(self, now: dt.datetime) -> bool:
        """Whether only ``expire`` may move the ball now: ``now >= expires_at``."""
        return now >= self.expires_at


def new_ball(
    award_id: str,
    owner: str,
    behaviour: str,
    amount_g: int,
    created_at: dt.datetime,
    rules: EnergyRules,
) -> tuple[Ball, Transfer]:
    """The ball an award becomes, and the ``award`` transfer that fills it from issuance.

    The ball's id is the award's id (one award, one ball), so re-issuing an award maps onto the
    same ball and the same key ``award:<award_id>``. Example with the shipped rules:
    ``new_ball("a1", "u1", "walking", 25, 03-01 07:12, rules)`` → a ball ripe at 03-02 07:12,
    expiring at 03-05 07:12, and ``issuance → ball:a1 25 g``.
    """
    if amount_g <= 0:
        raise EnergyRefused(
            f"an award of {amount_g} g cannot become a ball; a ball holds whole grams > 0",
            code="amount_must_be_positive",
            award_id=award_id,
            amount_g=amount_g,
        )
    ripens_at = created_at + rules.ripening_delay
    ball = Ball(
        id=award_id,
        owner=owner,
        behaviour=behaviour,
        amount_g=amount_g,
        created_at=created_at,
        ripens_at=ripens_at,
        expires_at=ripens_at + rules.expiry_after_ripe,
        remaining_g=amount_g,
    )
    award = Transfer(
        id=f"award:{award_id}",
        debit_account=ISSUANCE_ACCOUNT_ID,
        credit_account=ball.account_id,
        amount_g=amount_g,
        kind=TransferKind.AWARD,
        at=created_at,
        reference=award_id,
    )
    return ball, award


def _take(ball: Ball, taker: str, grams: int) -> Ball:
    # Built field by field: ``dataclasses.replace`` walks the fields' metadata on every call and
    # cost more than the rest of a collect (a pilot plays one per move).
    return Ball(
        id=ball.id,
        owner=ball.owner,
        behaviour=ball.behaviour,
        amount_g=ball.amount_g,
        created_at=ball.created_at,
        ripens_at=ball.ripens_at,
        expires_at=ball.expires_at,
        remaining_g=ball.remaining_g - grams,
        taken_by=(*ball.taken_by, (taker, grams)),
        expired_g=ball.expired_g,
    )


def _timing_refusal(
    ball: Ball, now: dt.datetime, error: type[EnergyRefused], verb: str
) -> EnergyRefused | None:
    """``not_ripe`` or ``expired`` for a take at ``now``, or ``None`` while the ball is ripe."""
    if now < ball.ripens_at:
        return error(
            f"this ball ripens at {when(ball.ripens_at, now)}; it can be {verb} from then on",
            code="not_ripe",
            ball_id=ball.id,
            ripens_at=ball.ripens_at.isoformat(),
        )
    if ball.is_expired(now):
        return error(
            f"this ball expired at {when(ball.expires_at, now)}; "
            "its energy has gone to the expired account",
            code="expired",
            ball_id=ball.id,
            expires_at=ball.expires_at.isoformat(),
        )
    return None


def collect(ball: Ball, by: str, now: dt.datetime) -> tuple[Ball, tuple[Transfer, ...]]:
    """The owner takes the whole remainder of a ripe ball into their participant account.

    Example: u1's ball a1 holds 18 g after a steal; ``collect(ball, "u1", 03-02 09:00)`` →
    ``collect:a1 ball:a1 → user:u1 18 g`` and a ball with ``remaining_g == 0``.
    """
    if by != ball.owner:
        raise CollectRefused(
            "only the ball's owner can collect it; a friend can steal a share instead",
            code="not_owner",
            ball_id=ball.id,
            user_id=by,
        )
    timing = _timing_refusal(ball, now, CollectRefused, "collected")
    if timing is not None:
        raise timing
    if ball.remaining_g <= 0:
        raise CollectRefused(
            "this ball is empty: it has already been collected or stolen",
            code="nothing_to_take",
            ball_id=ball.id,
        )
    transfer = Transfer(
        id=f"collect:{ball.id}",
        debit_account=ball.account_id,
        credit_account=participant_account_id(by),
        amount_g=ball.remaining_g,
        kind=TransferKind.COLLECT,
        at=now,
        reference=ball.id,
    )
    return _take(ball, by, ball.remaining_g), (transfer,)


def steal(
    ball: Ball,
    thief: str,
    now: dt.datetime,
    rules: EnergyRules,
    *,
    are_friends: bool,
    steals_today: int,
    owner_covered_until: dt.datetime | None,
) -> tuple[Ball, tuple[Transfer, ...]]:
    """A friend takes ``rules.steal_g(remaining)`` of a ripe ball, at most once per ball.

    The caller states the facts this module cannot see: whether thief and owner are friends,
    how many steals the thief has made today (local days of ``rules.timezone``) and until when
    the owner's protection cover lasts (``None``: no cover). Refusal codes: ``StealRefused``.

    Example: u2 steals from u1's ripe 25 g ball a1 → ``steal:a1:u2:1 ball:a1 → user:u2 7 g``;
    again → ``already_stolen``; a ball with 3 g left → ``nothing_to_take`` (30 % of 3 g < 1 g).
    """
    if thief == ball.owner:
        raise StealRefused(
            "you cannot steal from your own ball; collect it instead",
            code="own_ball",
            ball_id=ball.id,
        )
    if not are_friends:
        raise StealRefused(
            "you can only steal from friends' balls",
            code="not_friends",
            ball_id=ball.id,
            owner=ball.owner,
        )
    timing = _timing_refusal(ball, now, StealRefused, "stolen")
    if timing is not None:
        raise timing
    taken_before = ball.takes_by(thief)
    if taken_before >= rules.steals_per_ball_per_friend:
        raise StealRefused(
            "you have already stolen from this ball"
            if rules.steals_per_ball_per_friend == 1
            else f"you have already stolen from this ball {taken_before} times, the most allowed",
            code="already_stolen",
            ball_id=ball.id,
            limit=rules.steals_per_ball_per_friend,
        )
    if owner_covered_until is not None and now < owner_covered_until:
        raise StealRefused(
            f"{ball.owner}'s energy is covered until {when(owner_covered_until, now)}",
            code="covered",
            ball_id=ball.id,
            covered_until=owner_covered_until.isoformat(),
        )
    if steals_today >= rules.daily_steal_limit:
        raise StealRefused(
            f"you have made {steals_today} steals today, the daily limit is "
            f"{rules.daily_steal_limit}; try again tomorrow",
            code="daily_limit",
            steals_today=steals_today,
            limit=rules.daily_steal_limit,
        )
    grams = rules.steal_g(ball.remaining_g)
    if grams <= 0:
        raise StealRefused(
            f"this ball has only {ball.remaining_g} g left, too little to take a share of",
            code="nothing_to_take",
            ball_id=ball.id,
            remaining_g=ball.remaining_g,
        )
    transfer = Transfer(
        id=f"steal:{ball.id}:{thief}:{taken_before + 1}",
        debit_account=ball.account_id,
        credit_account=participant_account_id(thief),
        amount_g=grams,
        kind=TransferKind.STEAL,
        at=now,
        reference=ball.id,
    )
    return _take(ball, thief, grams), (transfer,)


def expire(ball: Ball, now: dt.datetime) -> tuple[Ball, tuple[Transfer, ...]]:
    """From ``expires_at`` on, the ball's remainder moves to the expired account.

    An empty ball (collected, or already expired) gives no transfer and is returned unchanged, so
    the expiry sweep may run twice. Example: ball a1 still holds 18 g at 03-05 07:12 →
    ``expire:a1 ball:a1 → expired 18 g``; before that → ``ExpireRefused`` ``not_expired``.
    """
    if not ball.is_expired(now):
        raise ExpireRefused(
            f"this ball expires at {when(ball.expires_at, now)}; until then its owner can "
            "still collect it",
            code="not_expired",
            ball_id=ball.id,
            expires_at=ball.expires_at.isoformat(),
        )
    if ball.remaining_g <= 0:
        return ball, ()
    transfer = Transfer(
        id=f"expire:{ball.id}",
        debit_account=ball.account_id,
        credit_account=EXPIRED_ACCOUNT_ID,
        amount_g=ball.remaining_g,
        kind=TransferKind.EXPIRE,
        at=now,
        reference=ball.id,
    )
    expired = dataclasses.replace(ball, remaining_g=0, expired_g=ball.expired_g + ball.remaining_g)
    return expired, (transfer,)
