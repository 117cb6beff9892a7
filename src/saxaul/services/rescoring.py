"""Preview a rescore: what a new pack version would credit for the events already stored.

Why a preview and not an edit: awards are history. Applying a new version is a new set of
compensating entries in the energy ledger, never an edit; before anyone decides, the operator
sees, per behaviour, what is credited now, what the current method gives when every stored event
is scored in one pass (cap order = event time), and what the candidate gives in the same pass
(``saxaul.scoring.restate``, the rule shared with the Spark restatement).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from saxaul.domain.methodology import Pack
from saxaul.scoring.restate import restate
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
    joined = restate(events, consent, current, candidate)
    refs = {b.id: p.ref for p in candidate_packs for b in p.behaviours}
    return [
        RescoreLine(
            behaviour=row["behaviour"],
            pack_ref=refs.get(row["behaviour"], "?"),
            events=int(row["events"]),
            stored_mg=int(row["stored_mg"]),
            current_mg=int(row["current_mg"]),
            candidate_mg=int(row["candidate_mg"]),
        )
        for row in joined.iter_rows(named=True)
    ]
