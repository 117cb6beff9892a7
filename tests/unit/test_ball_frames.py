"""The bulk minter's columns equal what ``domain.energy.new_ball`` gives each award."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from saxaul.catalogue import shipped_energy_rules
from saxaul.domain.clock import from_us, to_us
from saxaul.domain.energy import new_ball
from saxaul.domain.issuance import appears_at
from saxaul.services.ball_frames import ball_frames

RULES = shipped_energy_rules()
DAY0 = dt.date(2016, 8, 1).toordinal()
T0 = to_us(dt.datetime(2016, 8, 2, 0, 30, tzinfo=dt.UTC))

award = st.tuples(
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=12),
    st.sampled_from(["walking", "metro", "e_bill", "bike_share"]),
    st.integers(0, 3),  # local day, from DAY0
    st.integers(1, 2**40),  # grams
    st.integers(-2 * 86_400_000_000, 3 * 86_400_000_000),  # scored at, from T0
)


@settings(max_examples=60, deadline=None)
@given(st.lists(award, min_size=1, max_size=40))
def test_frames_equal_new_ball_row_by_row(drawn: list[tuple[str, str, int, int, int]]) -> None:
    awards = pl.DataFrame(
        {
            "id": list(range(1, len(drawn) + 1)),
            "user_id": [user for user, *_ in drawn],
            "behaviour": [behaviour for _, behaviour, *_ in drawn],
            "day": [DAY0 + day for *_, day, _, _ in drawn],
            "energy_g": [grams for *_, grams, _ in drawn],
            "created_at_us": [T0 + offset for *_, offset in drawn],
        },
        schema_overrides={"day": pl.Int32},
    )
    frames = ball_frames(awards, RULES, at_us=T0 + 1)
    for index, (award_id, user, behaviour, day, grams, created_us) in enumerate(awards.iter_rows()):
        ball, transfer = new_ball(
            str(award_id),
            user,
            behaviour,
            grams,
            appears_at(day, from_us(created_us), RULES),
            RULES,
        )
        assert frames.balls.row(index) == (
            ball.id,
            ball.owner,
            ball.behaviour,
            ball.amount_g,
            to_us(ball.created_at),
            to_us(ball.ripens_at),
            to_us(ball.expires_at),
            RULES.ref,
        )
        account = ball.account
        assert frames.accounts.row(index) == (
            account.id,
            account.kind.value,
            account.user_id,
            grams,
            T0 + 1,
        )
        assert frames.transfers.row(index) == (
            transfer.id,
            transfer.debit_account,
            transfer.credit_account,
            transfer.amount_g,
            transfer.kind.value,
            to_us(transfer.at),
            transfer.reference,
        )
    assert frames.grams == sum(grams for *_, grams, _ in drawn)


def test_a_ball_appears_at_the_midnight_after_its_day_in_the_programme_zone() -> None:
    zone = zoneinfo.ZoneInfo(RULES.timezone)
    midnight = to_us(dt.datetime.combine(dt.date.fromordinal(DAY0 + 1), dt.time(), zone))
    awards = pl.DataFrame(
        {
            "id": [1],
            "user_id": ["u1"],
            "behaviour": ["walking"],
            "day": [DAY0],
            "energy_g": [25],
            "created_at_us": [midnight - 3_600_000_000],
        }
    )
    assert ball_frames(awards, RULES, at_us=0).balls["created_at_us"].to_list() == [midnight]
