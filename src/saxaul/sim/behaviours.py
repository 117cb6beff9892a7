"""Behaviour events of a synthetic population: the right mix, times of day and quantities.

The mix follows the pilot's nine behaviours (offline payments and transit dominate; bills and
tickets are rare) plus Shenzhen per-km trips for ~12 % of users. Each user walks once a day (a
daily step count, the way phones report steps). Event times cluster at the commuting peaks.
Events come out sorted by time, like a payment platform's daily export. Utility bills carry the
payer's account number (most users pay for one account, some for two, so a few second bills in
a month earn nothing) and hospital appointments the visit time, two hours before the event.

Example: ``behaviour_events(pop, events=10_000, days=2, start=date(2026, 11, 1), seed=7)``
→ 10 000 rows with the event columns of ``docs/api.md`` (occurred_at with +08:00).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

MIX: tuple[tuple[str, float, str], ...] = (
    # behaviour id, share of non-walking events, source system
    ("offline_payment", 0.42, "wallet"),
    ("metro_ride", 0.16, "transit"),
    ("bus_ride", 0.12, "transit"),
    ("e_invoice", 0.09, "wallet"),
    ("metro_km", 0.06, "sz-transit"),
    ("ebus_km", 0.04, "sz-transit"),
    ("utility_bill", 0.03, "wallet"),
    ("online_ticket", 0.03, "wallet"),
    ("train_ticket", 0.02, "wallet"),
    ("etc_toll", 0.02, "wallet"),
    ("hospital_appointment", 0.01, "health"),
)
CST = dt.timezone(dt.timedelta(hours=8))
PEAK_HOURS = np.array([8.2, 12.5, 18.3, 21.0])


def peak_times(rng: np.random.Generator, n: int, days: int, start: dt.date) -> np.ndarray:
    """Microseconds since the epoch: a random day, then a time near one of the daily peaks."""
    day = rng.integers(0, days, size=n)
    hours = np.clip(rng.choice(PEAK_HOURS, size=n) + rng.normal(0, 1.5, size=n), 0.0, 23.99)
    midnight = dt.datetime.combine(start, dt.time(), CST).timestamp()
    return ((midnight + day * 86_400 + hours * 3_600) * 1_000_000).astype(np.int64)


def behaviour_events(
    people: pl.DataFrame,
    *,
    events: int,
    days: int,
    start: dt.date,
    seed: int,
    behaviours: frozenset[str] | None = None,
) -> pl.DataFrame:
    """About ``events`` events for ``people`` over ``days`` days from ``start``, time-sorted."""
    rng = np.random.default_rng(seed)
    mix = [m for m in MIX if behaviours is None or m[0] in behaviours]
    walkers = people.height * days if behaviours is None or "walking" in behaviours else 0
    n = max(events - walkers, 0)
    weights = people["activity"].to_numpy()
    who = rng.choice(people.height, size=n, p=weights / weights.sum())
    shares = np.array([m[1] for m in mix])
    kind = rng.choice(len(mix), size=n, p=shares / shares.sum())
    names = np.array([m[0] for m in mix])[kind]
    sources = np.array([m[2] for m in mix])[kind]
    km = np.round(rng.lognormal(2.0, 0.6, size=n), 1)
    quantity = np.where(np.isin(names, ["metro_km", "ebus_km"]), km, 1.0)
    amount = amounts_minor(rng, n)
    frame = pl.DataFrame(
        {
            "source": sources,
            "user_id": people["user_id"].to_numpy()[who],
            "behaviour": names,
            "at_us": peak_times(rng, n, days, start),
            "quantity": quantity,
            "amount_minor": amount,
        }
    )
    if walkers:
        steps = np.clip(rng.normal(7_500, 4_500, size=walkers), 0, 40_000).round()
        frame = pl.concat(
            [
                frame,
                pl.DataFrame(
                    {
                        "source": ["health"] * walkers,
                        "user_id": np.repeat(people["user_id"].to_numpy(), days),
                        "behaviour": ["walking"] * walkers,
                        "at_us": np.tile(
                            [
                                int(
                                    dt.datetime.combine(
                                        start + dt.timedelta(days=d), dt.time(23, 30), CST
                                    ).timestamp()
                                    * 1_000_000
                                )
                                for d in range(days)
                            ],
                            people.height,
                        ),
                        "quantity": steps,
                        "amount_minor": np.zeros(walkers, dtype=np.int64),
                    }
                ),
            ]
        )
    return export_rows(frame, f"s{seed}")


def amounts_minor(rng: np.random.Generator, n: int) -> np.ndarray:
    """Payment amounts in fen: lognormal around ¥30, a few under the ¥1 that earns energy."""
    return np.round(rng.lognormal(3.4, 1.1, size=n) * 100).astype(np.int64)


def export_rows(frame: pl.DataFrame, prefix: str) -> pl.DataFrame:
    """Raw events (source, user_id, behaviour, at_us, quantity, amount_minor) → the event
    columns ``saxaul import`` reads, time-sorted, ids ``<prefix>-<n>``."""
    return (
        frame.sort("at_us")
        .with_row_index("seq")
        .select(
            pl.format("{}-{}", pl.lit(prefix), pl.col("seq")).alias("event_id"),
            "source",
            "user_id",
            "behaviour",
            pl.col("at_us")
            .cast(pl.Datetime("us", "UTC"))
            .dt.convert_time_zone("Asia/Shanghai")
            .dt.strftime("%Y-%m-%dT%H:%M:%S%.6f+08:00")
            .alias("occurred_at"),
            "quantity",
            pl.when(pl.col("behaviour") == "walking")
            .then(None)
            .otherwise(pl.col("amount_minor"))
            .alias("amount_minor"),
            pl.lit("CNY").alias("currency"),
            _attributes(),
        )
    )


def _attributes() -> pl.Expr:
    """The attributes the ant-forest-2017 rules read: account number, visit time."""
    visit = (
        (pl.col("at_us") - 2 * 3_600_000_000)
        .cast(pl.Datetime("us", "UTC"))
        .dt.convert_time_zone("Asia/Shanghai")
        .dt.strftime("%Y-%m-%dT%H:%M:%S+08:00")
    )
    account = pl.concat_str(pl.col("user_id"), pl.lit("-"), (pl.col("seq") % 3 == 0).cast(pl.Int8))
    return (
        pl.when(pl.col("behaviour") == "utility_bill")
        .then(pl.concat_str(pl.lit('{"account_number":"'), account, pl.lit('"}')))
        .when(pl.col("behaviour") == "hospital_appointment")
        .then(pl.concat_str(pl.lit('{"visited_at":"'), visit, pl.lit('"}')))
        .alias("attributes")
    )
