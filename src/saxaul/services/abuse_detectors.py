"""The detectors of automated and collusive play, over one window of the ledger's moves.

Why over the ledger: every steal, watering and collect is a transfer with its instant, and a
steal names its ball (``reference``), so when it landed relative to the ball's ripening is on
record too. A detector reads only these facts and the thresholds of its rule
(``packs/rules/abuse``); each finding is a ``Finding``: who, which rule, the numbers that
tripped it and the grams the flagged behaviour gained in the window (what a flag may hold).

* ``move_velocity``: the most steals and waterings within any ``window_s``;
* ``ripening_snipe``: steals landing within ``within_s`` after their ball ripened;
* ``regular_intervals``: gaps between consecutive moves, kept when in
  [``min_interval_s``, ``max_interval_s``], whose spread (CV) is at most ``max_cv``;
* ``round_the_clock``: distinct local hours of one local day with a move;
* ``funnel_ring``: accounts passing ``min_share`` of their awarded energy to one receiver
  (being stolen from, watering it, or pooling into trees it started), counted per receiver.

Example: a script stealing every 300 s ± 2 s for a day gives 287 gaps with CV ≈ 0.004 →
a ``regular_intervals`` finding with evidence ``{"gaps": 287, "cv": 0.004, …}``.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import polars as pl

from saxaul.domain.abuse_rules import AbuseRule, AbuseRules, RuleKind
from saxaul.domain.accounts import key_of, kind_of, prefix
from saxaul.domain.clock import from_us
from saxaul.domain.ledger import AccountKind, TransferKind

US = 1_000_000
"""Microseconds per second: the unit the ledger records instants in."""
_USER = prefix(AccountKind.PARTICIPANT)


@dataclass(frozen=True, slots=True)
class Finding:
    """One participant tripping one rule: the evidence and the grams at stake."""

    user_id: str
    rule: AbuseRule
    evidence: dict[str, Any]
    gained_g: int
    senders: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Actor:
    """One participant's moves in the window, in time order."""

    user_id: str
    at_us: np.ndarray
    kinds: np.ndarray
    ripens_us: np.ndarray
    grams: np.ndarray

    def of(self, *kinds: TransferKind) -> np.ndarray:
        """A mask of the moves of these kinds."""
        return np.isin(self.kinds, [k.value for k in kinds])


def detect(moves: pl.DataFrame, awarded: Mapping[str, int], rules: AbuseRules) -> list[Finding]:
    """Every finding of every detector rule over ``moves`` (``abuse_repo.moves``)."""
    findings: list[Finding] = []
    per_actor = {
        RuleKind.MOVE_VELOCITY: _velocity,
        RuleKind.RIPENING_SNIPE: _snipe,
        RuleKind.REGULAR_INTERVALS: _regular,
        RuleKind.ROUND_THE_CLOCK: _round_the_clock(zoneinfo.ZoneInfo(rules.timezone)),
    }
    actors = list(_actors(moves))
    for rule in rules.of_kind(*per_actor):
        check = per_actor[rule.kind]
        for actor in actors:
            evidence = check(actor, rule)
            if evidence is not None:
                stolen = actor.grams[actor.of(TransferKind.STEAL)]
                findings.append(Finding(actor.user_id, rule, evidence, int(stolen.sum())))
    for rule in rules.of_kind(RuleKind.FUNNEL_RING):
        findings.extend(_rings(moves, awarded, rule))
    return findings


_GIVES = [TransferKind.WATER.value, TransferKind.POOL.value]
"""Moves made by the account they debit (the others by the account they credit)."""


def actor_account(moves: pl.DataFrame) -> pl.Series:
    """The participant account that made each move: the giver of a watering or a pool
    share, the taker of a steal or a collect."""
    return moves.select(
        pl.when(pl.col("kind").is_in(_GIVES)).then(pl.col("debit")).otherwise(pl.col("credit"))
    ).to_series()


def _actors(moves: pl.DataFrame) -> Iterator[Actor]:
    """The moves grouped by the participant who made them, each in time order."""
    framed = moves.with_columns(actor_account(moves).alias("actor")).sort("actor", "at_us")
    for (account,), group in framed.group_by("actor", maintain_order=True):
        if kind_of(str(account)) is not AccountKind.PARTICIPANT:
            continue
        yield Actor(
            user_id=key_of(str(account), AccountKind.PARTICIPANT),
            at_us=group["at_us"].to_numpy(),
            kinds=group["kind"].to_numpy(),
            ripens_us=group["ripens_at_us"].fill_null(-1).to_numpy(),
            grams=group["amount_g"].to_numpy(),
        )


def _int(rule: AbuseRule, name: str) -> int:
    return int(rule.number(name))


def _share(rule: AbuseRule, name: str) -> float:
    return float(Decimal(rule.number(name)))


def _velocity(actor: Actor, rule: AbuseRule) -> dict[str, Any] | None:
    """The most steals and waterings within any ``window_s``, if above ``max_moves``."""
    at = actor.at_us[actor.of(TransferKind.STEAL, TransferKind.WATER)]
    if at.size == 0:
        return None
    window = _int(rule, "window_s") * US
    starts = np.searchsorted(at, at - window, side="right")
    counts = np.arange(at.size) - starts + 1
    busiest = int(counts.argmax())
    if counts[busiest] <= _int(rule, "max_moves"):
        return None
    return {
        "moves_in_window": int(counts[busiest]),
        "window_s": _int(rule, "window_s"),
        "limit": _int(rule, "max_moves"),
        "window_ends_at": from_us(int(at[busiest])).isoformat(),
    }


def _snipe(actor: Actor, rule: AbuseRule) -> dict[str, Any] | None:
    """Steals within ``within_s`` after ripening, if at least ``min_moves`` and
    ``min_share`` of the steals."""
    steals = actor.of(TransferKind.STEAL) & (actor.ripens_us >= 0)
    if not steals.any():
        return None
    after = actor.at_us[steals] - actor.ripens_us[steals]
    near = int(((after >= 0) & (after <= _int(rule, "within_s") * US)).sum())
    share = near / int(steals.sum())
    if near < _int(rule, "min_moves") or share < _share(rule, "min_share"):
        return None
    return {
        "steals": int(steals.sum()),
        "within_s_of_ripening": near,
        "share": round(share, 3),
        "limit_moves": _int(rule, "min_moves"),
        "limit_share": _share(rule, "min_share"),
    }


def _regular(actor: Actor, rule: AbuseRule) -> dict[str, Any] | None:
    """Gaps in range between consecutive moves, if enough of them and evenly spaced."""
    gaps = np.diff(actor.at_us) / US
    kept = gaps[(gaps >= _int(rule, "min_interval_s")) & (gaps <= _int(rule, "max_interval_s"))]
    if kept.size < _int(rule, "min_intervals"):
        return None
    cv = float(kept.std() / kept.mean())
    if cv > _share(rule, "max_cv"):
        return None
    return {
        "gaps": int(kept.size),
        "mean_gap_s": round(float(kept.mean()), 3),
        "cv": round(cv, 4),
        "limit_cv": _share(rule, "max_cv"),
    }


def _round_the_clock(zone: zoneinfo.ZoneInfo) -> Any:
    def check(actor: Actor, rule: AbuseRule) -> dict[str, Any] | None:
        """The local day with the most distinct hours holding a move, if at least
        ``min_hours``."""
        hours: dict[dt.date, set[int]] = defaultdict(set)
        for at in actor.at_us.tolist():
            local = from_us(at).astimezone(zone)
            hours[local.date()].add(local.hour)
        day, busiest = max(hours.items(), key=lambda item: (len(item[1]), item[0]))
        if len(busiest) < _int(rule, "min_hours"):
            return None
        return {"day": day.isoformat(), "hours": len(busiest), "limit": _int(rule, "min_hours")}

    return check


def _rings(moves: pl.DataFrame, awarded: Mapping[str, int], rule: AbuseRule) -> Iterator[Finding]:
    """Receivers fed most of their awarded energy by at least ``min_senders`` accounts."""
    kind = pl.col("kind")
    flows = (
        moves.filter(kind.is_in([*_GIVES, TransferKind.STEAL.value]))
        .with_columns(
            sender=pl.when(kind == TransferKind.STEAL.value)
            .then(pl.col("owner"))
            .otherwise(pl.col("debit").str.strip_prefix(_USER)),
            receiver=pl.when(kind == TransferKind.POOL.value)
            .then(pl.col("initiator"))
            .otherwise(pl.col("credit").str.strip_prefix(_USER)),
        )
        .filter(pl.col("sender") != pl.col("receiver"))
        .group_by("receiver", "sender")
        .agg(pl.col("amount_g").sum().alias("grams"))
    )
    if flows.height == 0:
        return
    earned = pl.DataFrame(
        {"sender": list(awarded), "earned": list(awarded.values())},
        schema={"sender": pl.String, "earned": pl.Int64},
    )
    feeding = (
        flows.join(earned, on="sender", how="left")
        .with_columns(share=pl.col("grams") / pl.col("earned").fill_null(0).clip(lower_bound=1))
        .filter(
            (pl.col("grams") >= _int(rule, "min_sender_g"))
            & (pl.col("share") >= _share(rule, "min_share"))
        )
    )
    rings = (
        feeding.group_by("receiver")
        .agg(pl.col("sender").sort(), pl.col("grams").sum(), pl.col("share").median())
        .filter(pl.col("sender").list.len() >= _int(rule, "min_senders"))
        .sort("receiver")
    )
    for receiver, senders, grams, share in rings.iter_rows():
        yield Finding(
            user_id=receiver,
            rule=rule,
            evidence={
                "senders": len(senders),
                "grams_received": int(grams),
                "median_share": round(float(share), 3),
                "limit_senders": _int(rule, "min_senders"),
                "limit_share": _share(rule, "min_share"),
                "first_senders": list(senders[:20]),
            },
            gained_g=int(grams),
            senders=tuple(senders),
        )
