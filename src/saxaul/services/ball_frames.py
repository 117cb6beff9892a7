"""The balls a batch of awards becomes, as columns: what ``domain.energy.new_ball`` gives each
award, computed once per distinct instant instead of once per award.

Why: a day's import at 1:100 of the pilot scores hundreds of thousands of awards, and building a
``Ball`` and a ``Transfer`` per award in Python cost more than writing them (about 30 µs of
45 µs a ball). Every award scored in one import run for one local day shares its ball's
instants, so the rule is asked once per ``(day, created_at_us)`` — ``issuance.appears_at`` then
``energy.new_ball`` on a prototype whose id, owner and behaviour are placeholders — and the
prototype's strings become column templates: ``"ball:" + id``, ``"award:" + id``. The rule keeps
its one home; a test holds these frames equal to ``new_ball`` row by row.

Example: awards ``[(7, "u1", "walking", day, 25, t)]`` → a ``balls`` row ``("7", "u1",
"walking", 25, …)``, an account ``"ball:7"`` holding 25 g and a transfer ``"award:7"``.

Held awards (an abuse flag's, ``domain.holds``) are the exception, so they are added on top
of the frames, row by row from the domain's ``hold``: their ball account opens empty, the
flag's ``hold:<flag>`` account opens with the grams, and a ``hold:<flag>`` transfer follows
the award. With nothing held the frames are exactly as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from saxaul.domain import energy, holds
from saxaul.domain.accounts import ball_account_id, hold_account_id
from saxaul.domain.clock import from_us, to_us
from saxaul.domain.game_rules import EnergyRules
from saxaul.domain.issuance import appears_at
from saxaul.domain.ledger import AccountKind

_HOLES = {
    "\x00id\x00": pl.col("id").cast(pl.String),
    "\x00owner\x00": pl.col("user_id"),
    "\x00behaviour\x00": pl.col("behaviour"),
}
"""Placeholders the prototype ball is made with, and the award columns that fill them."""
_ID, _OWNER, _BEHAVIOUR = _HOLES
_AMOUNT = pl.col("energy_g")
_KEY = ["day", "created_at_us"]


@dataclass(frozen=True, slots=True)
class BallFrames:
    """Rows for the ``balls``, ``ledger_accounts`` and ``ledger_transfers`` tables."""

    balls: pl.DataFrame
    accounts: pl.DataFrame
    transfers: pl.DataFrame

    @property
    def grams(self) -> int:
        """Energy put into the new balls."""
        return int(self.balls["amount_g"].sum())


def ball_frames(
    awards: pl.DataFrame,
    rules: EnergyRules,
    at_us: int,
    held: Mapping[int, int] | None = None,
) -> BallFrames:
    """The balls, accounts and award transfers of ``awards`` (columns ``id, user_id, behaviour,
    day, energy_g, created_at_us``; every ``energy_g`` > 0), accounts opened at ``at_us``.

    ``held``: award id → the open abuse flag whose hold takes that award's ball at once."""
    instants = _instants(awards.select(_KEY).unique(), rules)
    rows = awards.join(instants, on=_KEY, how="left")
    ball, award = energy.new_ball(_ID, _OWNER, _BEHAVIOUR, 1, from_us(0), rules)
    account = ball.account
    made = BallFrames(
        balls=rows.select(
            id=_filled(ball.id),
            owner=_filled(ball.owner),
            behaviour=_filled(ball.behaviour),
            amount_g=_AMOUNT,
            created_at_us=pl.col("ball_created_us"),
            ripens_at_us=pl.col("ripens_us"),
            expires_at_us=pl.col("expires_us"),
            rules=pl.lit(rules.ref),
        ),
        accounts=rows.select(
            id=_filled(account.id),
            kind=pl.lit(account.kind.value),
            user_id=_filled(account.user_id or ""),
            balance_g=_AMOUNT,
            opened_at_us=pl.lit(at_us, pl.Int64),
        ),
        transfers=rows.select(
            id=_filled(award.id),
            debit_account=_filled(award.debit_account),
            credit_account=_filled(award.credit_account),
            amount_g=_AMOUNT,
            kind=pl.lit(award.kind.value),
            at_us=pl.col("award_us"),
            reference=_filled(award.reference),
        ),
    )
    return _with_holds(made, rows, held) if held else made


def _with_holds(made: BallFrames, rows: pl.DataFrame, held: Mapping[int, int]) -> BallFrames:
    """``made`` with each held award's ball emptied into its flag's hold account."""
    taken = rows.filter(pl.col("id").is_in(list(held))).select(
        "id", "user_id", "energy_g", "award_us"
    )
    transfers = [
        holds.hold(held[award], ball_account_id(str(award)), grams, from_us(at), str(award))
        for award, _, grams, at in taken.iter_rows()
    ]
    ball_ids = [ball_account_id(str(award)) for award in taken["id"]]
    accounts = made.accounts.with_columns(
        pl.when(pl.col("id").is_in(ball_ids)).then(0).otherwise("balance_g").alias("balance_g")
    )
    opened = pl.DataFrame(
        {
            "id": [hold_account_id(held[award]) for award in taken["id"]],
            "kind": AccountKind.HOLD.value,
            "user_id": taken["user_id"],
            "balance_g": taken["energy_g"],
            "opened_at_us": made.accounts["opened_at_us"][0],
        },
        schema=made.accounts.schema,
    )
    moved = pl.DataFrame(
        {
            "id": [t.id for t in transfers],
            "debit_account": [t.debit_account for t in transfers],
            "credit_account": [t.credit_account for t in transfers],
            "amount_g": [t.amount_g for t in transfers],
            "kind": [t.kind.value for t in transfers],
            "at_us": [to_us(t.at) for t in transfers],
            "reference": [t.reference for t in transfers],
        },
        schema=made.transfers.schema,
    )
    return BallFrames(
        balls=made.balls,
        accounts=pl.concat([accounts, opened]),
        transfers=pl.concat([made.transfers, moved]),
    )


def _instants(keys: pl.DataFrame, rules: EnergyRules) -> pl.DataFrame:
    """Per ``(day, created_at_us)``: the ball's created, ripening and expiry instants and the
    award transfer's, from the domain's rule."""
    made = [
        energy.new_ball(_ID, _OWNER, _BEHAVIOUR, 1, appears_at(day, from_us(us), rules), rules)
        for day, us in keys.iter_rows()
    ]
    return keys.with_columns(
        pl.Series("ball_created_us", [to_us(b.created_at) for b, _ in made], pl.Int64),
        pl.Series("ripens_us", [to_us(b.ripens_at) for b, _ in made], pl.Int64),
        pl.Series("expires_us", [to_us(b.expires_at) for b, _ in made], pl.Int64),
        pl.Series("award_us", [to_us(t.at) for _, t in made], pl.Int64),
    )


def _filled(value: str) -> pl.Expr:
    """The prototype's ``value`` with its placeholder replaced by the award's column, or the
    constant itself when it holds none (the issuance account, say)."""
    for hole, column in _HOLES.items():
        head, found, tail = value.partition(hole)
        if found:
            if any(other in head + tail for other in _HOLES):
                raise ValueError(f"{value!r} holds two placeholders; one column each is expected")
            return pl.concat_str(pl.lit(head), column, pl.lit(tail))
    return pl.lit(value)
