"""The detectors over hand-made move frames: what a ring, a clock and a person look like."""

from __future__ import annotations

import numpy as np
import polars as pl

from saxaul.catalogue import shipped_abuse_rules
from saxaul.services.abuse_detectors import US, detect

RULES = shipped_abuse_rules()
T0 = 1_790_000_000 * US


def _frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    columns = {
        "kind": pl.String,
        "debit": pl.String,
        "credit": pl.String,
        "amount_g": pl.Int64,
        "at_us": pl.Int64,
        "ripens_at_us": pl.Int64,
        "owner": pl.String,
        "initiator": pl.String,
    }
    return pl.DataFrame([{c: row.get(c) for c in columns} for row in rows], schema=columns)


def _steal(thief: str, owner: str, at_us: int, grams: int = 30) -> dict[str, object]:
    return {
        "kind": "steal",
        "debit": f"ball:{owner}-{at_us}",
        "credit": f"user:{thief}",
        "amount_g": grams,
        "at_us": at_us,
        "ripens_at_us": at_us - 3 * 3600 * US,
        "owner": owner,
    }


def _rules_of(rows: list[dict[str, object]], awarded: dict[str, int]) -> set[tuple[str, str]]:
    return {(f.user_id, f.rule.id) for f in detect(_frame(rows), awarded, RULES)}


def test_a_ring_that_pools_into_the_receivers_trees_is_caught() -> None:
    senders = [f"s{n}" for n in range(12)]
    rows: list[dict[str, object]] = [
        {
            "kind": "pool",
            "debit": f"user:{s}",
            "credit": f"tree:t{n}",
            "amount_g": 200,
            "at_us": T0 + n * 937 * US,
            "initiator": "boss",
        }
        for n, s in enumerate(senders)
    ]
    assert _rules_of(rows, dict.fromkeys(senders, 300)) == {("boss", "funnel_ring")}


def test_being_stolen_from_by_one_friend_is_no_ring() -> None:
    victims = [f"v{n}" for n in range(15)]
    rows = [_steal("thief", v, T0 + n * 1_234 * US, 30) for n, v in enumerate(victims)]
    assert _rules_of(rows, dict.fromkeys(victims, 100)) == set()


def test_a_clock_is_caught_and_a_person_with_the_same_count_is_not() -> None:
    rng = np.random.default_rng(1)
    clockwork = [
        _steal("bot", f"v{n}", T0 + n * 300 * US + int(rng.integers(0, US))) for n in range(30)
    ]
    gaps = np.cumsum(rng.lognormal(np.log(300), 1.0, 30) * US).astype(np.int64)
    human = [_steal("person", f"w{n}", T0 + int(gap)) for n, gap in enumerate(gaps)]
    assert _rules_of(clockwork + human, {}) == {("bot", "regular_intervals")}
