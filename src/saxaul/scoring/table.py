"""The scorer's tables: the behaviour table built from packs, and the frames it reads and writes.

A programme runs several packs at once, and an event names only its behaviour id, so each id
must belong to exactly one pack: two packs defining ``walking`` would make an award's
provenance ambiguous, and the table refuses them. Where two packs measure one real activity
(a metro trip), only the pack the programme chose for it is in the table
(``saxaul.domain.programme``), so one trip cannot earn twice. Everything the kernel needs per
behaviour is computed here once, with the domain's own functions, so the kernel never touches a
``Decimal``.

Example: ant-forest-2017@1.0.0 (Asia/Shanghai, from 2017-01-01) with ``walking``
(per_unit, factor ``walking_g_per_step`` = 0.02 g/step, day cap 296 g) gives the row
``walking | ant-forest-2017 | 1.0.0 | Asia/Shanghai | rate_mg=20.0 | per_event_max_mg=null |
min_amount_minor=null | cap_period="day" | max_count=null | max_mg=296000 |
effective_from=736330 | effective_to=null | factor_ids="walking_g_per_step"``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from saxaul.domain.methodology import Behaviour, Pack, rate_mg_per_unit
from saxaul.domain.programme import programme
from saxaul.domain.units import day_ordinal

UTC_MICROS = pl.Datetime("us", "UTC")

EVENTS_SCHEMA: dict[str, pl.DataType] = {
    "row": pl.Int64(),
    "user_id": pl.String(),
    "behaviour": pl.String(),
    "occurred_at": UTC_MICROS,
    "quantity": pl.Float64(),
    "amount_minor": pl.Int64(),
    "attributes": pl.String(),
}
"""Input events; ``row`` is unique and breaks ties in ``occurred_at``; extra columns are ignored.
``attributes`` (canonical JSON text) may be left out: it is read only by attribute rules."""

PARTICIPANTS_SCHEMA: dict[str, pl.DataType] = {
    "user_id": pl.String(),
    "consent_at": UTC_MICROS,
    "withdrawn_at": UTC_MICROS,
}
"""Participants holding the ``scoring`` scope, one row per user; ``withdrawn_at`` nullable."""

USAGE_SCHEMA: dict[str, pl.DataType] = {
    "user_id": pl.String(),
    "behaviour": pl.String(),
    "period_key": pl.Int32(),
    "counted": pl.Int64(),
    "credited_mg": pl.Int64(),
}
"""Cap usage per (user, behaviour, period): the ``prior`` input and the ``usage`` output."""

EVENT_RESULT_SCHEMA: dict[str, pl.DataType] = {
    "row": pl.Int64(),
    "status": pl.String(),
    "day": pl.Int32(),
    "period_key": pl.Int32(),
    "raw_mg": pl.Int64(),
    "credited_mg": pl.Int64(),
    "counted": pl.Boolean(),
}
"""Per-event outcome; ``day`` is the local ``day_ordinal``, ``period_key`` null without a period."""

AWARD_SCHEMA: dict[str, pl.DataType] = {
    "user_id": pl.String(),
    "behaviour": pl.String(),
    "day": pl.Int32(),
    "pack_id": pl.String(),
    "pack_version": pl.String(),
    "factor_ids": pl.String(),
    "avoided_mg": pl.Int64(),
    "events_counted": pl.Int64(),
    "events_scored": pl.Int64(),
}
"""One row per (user, behaviour, local day) with at least one scored event."""

TABLE_SCHEMA: dict[str, pl.DataType] = {
    "behaviour": pl.String(),
    "pack_id": pl.String(),
    "pack_version": pl.String(),
    "timezone": pl.String(),
    "rate_mg": pl.Float64(),
    "per_event_max_mg": pl.Int64(),
    "min_amount_minor": pl.Int64(),
    "cap_period": pl.String(),
    "max_count": pl.Int64(),
    "max_mg": pl.Int64(),
    "effective_from": pl.Int32(),
    "effective_to": pl.Int32(),
    "factor_ids": pl.String(),
    "attribute_rules": pl.Boolean(),
    "claim_period": pl.String(),
}
"""Columns of ``BehaviourTable.frame``; dates are ``day_ordinal`` values, caps in milligrams;
``attribute_rules`` marks behaviours with ``one_per`` or ``earns_after``, ``claim_period`` is
the ``one_per`` period."""

FACTOR_IDS_SEPARATOR = ";"
"""How a behaviour's factor ids are joined into one provenance string (ids never contain it)."""


def index_behaviours(
    packs: Sequence[Pack], choices: Mapping[str, str] | None = None
) -> dict[str, tuple[Pack, Behaviour]]:
    """Map each scored behaviour id to its pack and definition, refusing what scoring cannot
    honour.

    Only the behaviours the programme scores are mapped: where several packs measure one
    activity, those of the pack ``choices`` names for it (activity → pack id).
    Refused: an activity several packs measure with no choice (``ProgrammeInvalid``); an id
    defined by several packs, and a count or gram cap without a period, whose usage would have
    no period key to be carried between batches under (``ValueError`` naming them).
    """
    owners: dict[str, list[tuple[Pack, Behaviour]]] = {}
    for pack, behaviour in programme(packs, choices or {}).scored():
        owners.setdefault(behaviour.id, []).append((pack, behaviour))
    clashes = {bid: found for bid, found in owners.items() if len(found) > 1}
    if clashes:
        detail = "; ".join(
            f"{bid} ({', '.join(pack.ref for pack, _ in found)})"
            for bid, found in sorted(clashes.items())
        )
        raise ValueError(f"behaviour ids defined by more than one pack: {detail}")
    unperiodic = sorted(
        f"{pack.ref} {bid}"
        for bid, ((pack, behaviour),) in owners.items()
        if behaviour.caps.period is None
        and (behaviour.caps.max_count is not None or behaviour.caps.max_g is not None)
    )
    if unperiodic:
        raise ValueError(f"count or gram caps without a period: {', '.join(unperiodic)}")
    return {bid: found[0] for bid, found in owners.items()}


def _row(pack: Pack, behaviour: Behaviour) -> dict[str, object]:
    caps = behaviour.caps
    return {
        "behaviour": behaviour.id,
        "pack_id": pack.id,
        "pack_version": pack.version,
        "timezone": pack.timezone,
        "rate_mg": rate_mg_per_unit(pack, behaviour),
        "per_event_max_mg": caps.per_event_max_mg,
        "min_amount_minor": behaviour.min_amount_minor,
        "cap_period": None if caps.period is None else caps.period.value,
        "max_count": caps.max_count,
        "max_mg": caps.max_mg,
        "effective_from": day_ordinal(pack.effective_from),
        "effective_to": None if pack.effective_to is None else day_ordinal(pack.effective_to),
        "factor_ids": FACTOR_IDS_SEPARATOR.join(behaviour.factor_ids),
        "attribute_rules": behaviour.attribute_rules,
        "claim_period": None if behaviour.one_per is None else behaviour.one_per.period.value,
    }


@dataclass(frozen=True, slots=True)
class BehaviourTable:
    """One row per scored behaviour of the active packs, sorted by id (see ``TABLE_SCHEMA``).

    The sort matters: the kernel keys behaviours by row number, so integer keys sort like ids.
    """

    frame: pl.DataFrame

    index: Mapping[str, tuple[Pack, Behaviour]]
    """Behaviour id → its pack and definition (for the attribute rules, read in Python)."""

    @classmethod
    def from_packs(
        cls, packs: Sequence[Pack], choices: Mapping[str, str] | None = None
    ) -> BehaviourTable:
        """Flatten the behaviours the programme scores (see ``index_behaviours``)."""
        index = index_behaviours(packs, choices)
        rows = [_row(*index[behaviour_id]) for behaviour_id in sorted(index)]
        return cls(pl.DataFrame(rows, schema=TABLE_SCHEMA, orient="row"), index)

    @property
    def behaviour_ids(self) -> frozenset[str]:
        """The behaviour ids this table scores (any other event is ``unknown_behaviour``)."""
        return frozenset(self.frame["behaviour"].to_list())

    @property
    def timezones(self) -> tuple[str, ...]:
        """The distinct pack time zones, sorted: the kernel converts instants once per zone."""
        return tuple(sorted(self.frame["timezone"].unique().to_list()))
