"""Watering (浇水): giving a friend energy in fixed steps, a few times a day.

Why its own module: watering moves energy between two participants' accounts and never touches
a ball, so it shares only account naming and the refusal base with ``energy``.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from saxaul.domain.accounts import participant_account_id
from saxaul.domain.energy import EnergyRefused
from saxaul.domain.game_rules import EnergyRules
from saxaul.domain.ledger import Transfer, TransferKind


class WaterRefused(EnergyRefused):
    """A watering the rules forbid. Codes, checked in this order: ``own_account``,
    ``not_friends``, ``not_a_step``, ``daily_limit``, ``insufficient_energy``."""

    code = "water_refused"


def water(
    giver: str,
    receiver: str,
    amount_g: int,
    now: dt.datetime,
    rules: EnergyRules,
    *,
    are_friends: bool,
    waterings_today: int,
    giver_balance_g: int,
) -> tuple[Transfer, ...]:
    """The giver sends a friend one watering step of energy: one ``water`` transfer.

    ``waterings_today`` counts the giver's waterings on today's local day in ``rules.timezone``;
    the key ``water:<giver>:<day>:<n>`` names the n-th of them. Why: a retry of a watering that
    was not recorded maps onto the same key, and two concurrent waterings that both read the same
    count collide on it, so the ledger accepts only one and the daily limit holds.

    Example: u1 with 40 g waters u2 18 g, first time on 2026-03-01 (Asia/Shanghai) →
    ``water:u1:2026-03-01:1 user:u1 → user:u2 18 g``; 20 g → ``not_a_step`` (steps 10, 18, 66).
    """
    if giver == receiver:
        raise WaterRefused(
            "you cannot water yourself; watering gives energy to a friend",
            code="own_account",
            user_id=giver,
        )
    if not are_friends:
        raise WaterRefused(
            "you can only water friends",
            code="not_friends",
            giver=giver,
            receiver=receiver,
        )
    if amount_g not in rules.watering_steps_g:
        steps = ", ".join(f"{step} g" for step in rules.watering_steps_g)
        raise WaterRefused(
            f"{amount_g} g is not a watering step; choose one of {steps}",
            code="not_a_step",
            amount_g=amount_g,
            steps_g=rules.watering_steps_g,
        )
    if waterings_today >= rules.daily_watering_limit:
        raise WaterRefused(
            f"you have watered {waterings_today} times today, the daily limit is "
            f"{rules.daily_watering_limit}; try again tomorrow",
            code="daily_limit",
            waterings_today=waterings_today,
            limit=rules.daily_watering_limit,
        )
    if giver_balance_g < amount_g:
        raise WaterRefused(
            f"you have {giver_balance_g} g of energy, not enough to give {amount_g} g",
            code="insufficient_energy",
            balance_g=giver_balance_g,
            amount_g=amount_g,
        )
    local_day = now.astimezone(ZoneInfo(rules.timezone)).date()
    transfer = Transfer(
        id=f"water:{giver}:{local_day.isoformat()}:{waterings_today + 1}",
        debit_account=participant_account_id(giver),
        credit_account=participant_account_id(receiver),
        amount_g=amount_g,
        kind=TransferKind.WATER,
        at=now,
        reference=receiver,
    )
    return (transfer,)
