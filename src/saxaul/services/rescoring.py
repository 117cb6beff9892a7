"""Preview a rescore: what a new pack version would credit for the events already stored.

Why a preview and not an edit: awards are history. Applying a new version is a new set of
compensating entries in the energy ledger, never an edit; before anyone decides, the operator
sees, per behaviour, what is credited now, what the current method gives when every stored event
is scored in one pass (cap order = event time), and what the candidate gives in the same pass.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from saxaul.domain.methodology import Pack
from saxaul.scoring.kernel import empty_prior, score
from saxaul.scoring.table import BehaviourTable
from saxaul.services.runtime import Runtime
from saxaul.store import ingest_repo as repo


@dataclass(frozen=True, slots=True)
class RescoreLine:
    """One behaviour's credited milligrams: stored, recomputed now, and under the candidate."""

    behaviour: str
    pack_ref: str
    events: int
    stored_mg: int
    current_mg: int
    candidate_mg: int

    @property
    def delta_mg(self) -> int:
        """Candidate minus what is stored."""
        return self.candidate_mg - self.stored_mg


def rescore_preview(
    rt: Runtime,
    current_packs: Sequence[Pack],
    candidate_packs: Sequence[Pack],
    choices: Mapping[str, str] | None = None,
) -> list[RescoreLine]:
    """Score all stored events under both programmes and compare per behaviour (read-only)."""
    current = BehaviourTable.from_packs(current_packs, choices)
    candidate = BehaviourTable.from_packs(candidate_packs, choices)
    with rt.db.bulk() as bulk:
        events = repo.stored_events_for_rescore(bulk, candidate.behaviour_ids)
        consent = repo.all_consent(bulk)
    if events.height == 0:
        return []
    stored = events.group_by("behaviour").agg(
        pl.len().alias("events"), pl.col("credited_mg").sum().alias("stored_mg")
    )
    now = _credited_by_behaviour(events, consent, current, "current_mg")
    new = _credited_by_behaviour(events, consent, candidate, "candidate_mg")
    joined = stored.join(now, on="behaviour", how="left").join(new, on="behaviour", how="left")
    refs = {b.id: p.ref for p in candidate_packs for b in p.behaviours}
    return [
        RescoreLine(
            behaviour=row["behaviour"],
            pack_ref=refs.get(row["behaviour"], "?"),
            events=int(row["events"]),
            stored_mg=int(row["stored_mg"] or 0),
            current_mg=int(row["current_mg"] or 0),
            candidate_mg=int(row["candidate_mg"] or 0),
        )
        for row in joined.sort("behaviour").iter_rows(named=True)
    ]


def _credited_by_behaviour(
    events: pl.DataFrame, consent: pl.DataFrame, table: BehaviourTable, name: str
) -> pl.DataFrame:
    known = events.filter(pl.col("behaviour").is_in(sorted(table.behaviour_ids)))
    result = score(known, consent, empty_prior(), table)
    return (
        known.select("row", "behaviour")
        .join(result.events.select("row", "credited_mg"), on="row")
        .group_by("behaviour")
        .agg(pl.col("credited_mg").sum().alias(name))
    )
