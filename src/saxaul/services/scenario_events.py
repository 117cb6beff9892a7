"""An approved scenario's live events, through the programme's own import path, and its impact.

Why the same path as ``POST /v1/events``: exactly once by (source, event_id), bad rows
quarantined with their reason, consent of the programme's participants, caps and rules — a
business's events are no different from the operator's, except that they may only name the
scenario's behaviours and are scored with the programme's packs plus the scenario's approved
pack version, loaded from the store when the request comes (any server process, no restart).

Why the budget is applied in the chunk's transaction: see ``services.credit_budget``; events
past it are kept with status ``over_budget`` and counted in the answer.

Example: ``import_live(rt, partner, "scn_…", body, "application/json", max_rows=10_000)`` →
``LiveImport(summary=ImportSummary(new_events=3, scored=2, over_budget=1, …),
budget_g=100, budget_left_g=0)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from saxaul.domain.errors import Forbidden
from saxaul.domain.partners import Mode, PartnerPrincipal
from saxaul.domain.scenarios import ScenarioStatus, budget_left_mg
from saxaul.domain.units import MG_PER_G
from saxaul.scoring.table import BehaviourTable
from saxaul.services.credit_budget import CreditBudget
from saxaul.services.imports import BodyScope, ImportSummary, import_event_body
from saxaul.services.runtime import Runtime
from saxaul.services.scenario_packs import stored_pack
from saxaul.services.scenario_sandbox import outside
from saxaul.services.scenarios import in_status, own, proposer
from saxaul.store import scenarios_repo
from saxaul.store.scenarios_repo import ImpactDay, StoredScenario

APPROVED = frozenset({ScenarioStatus.APPROVED})


@dataclass(frozen=True, slots=True)
class LiveImport:
    """An import's summary, and the scenario's budget after it."""

    summary: ImportSummary
    budget_g: int
    budget_left_g: int


def _approved(rt: Runtime, principal: PartnerPrincipal, scenario_id: str) -> StoredScenario:
    proposer(principal)
    with rt.db.reading() as conn:
        row = own(conn, principal, scenario_id)
    in_status(row, APPROVED, "take live events")
    return row


def _left_g(rt: Runtime, row: StoredScenario) -> int:
    """Whole grams the scenario's budget may still credit."""
    assert row.pack_id is not None and row.pack_version is not None and row.budget_g is not None
    with rt.db.reading() as conn:
        spent = scenarios_repo.credited_mg(conn, row.pack_id, row.pack_version)
    return budget_left_mg(row.budget_g, spent) // MG_PER_G


def import_live(
    rt: Runtime,
    principal: PartnerPrincipal,
    scenario_id: str,
    body: bytes,
    content_type: str,
    *,
    max_rows: int,
) -> LiveImport:
    """Import a live request of the scenario's events exactly once, within its budget."""
    if principal.mode is not Mode.LIVE:
        raise Forbidden(
            "live events need a live key (sxp_live_…); a sandbox key tries a scenario with "
            "POST /v1/partner/scenarios/{id}/sandbox, which stores nothing",
            code="live_key_required",
            mode=principal.mode.value,
        )
    row = _approved(rt, principal, scenario_id)
    assert row.pack_id is not None and row.pack_version is not None and row.budget_g is not None
    with rt.db.reading() as conn:
        pack = stored_pack(conn, row.pack_id, row.pack_version)
    scope = BodyScope(
        kind=scenarios_repo.import_kind(scenario_id),
        table=BehaviourTable.from_packs((*rt.packs, pack), dict(rt.choices)),
        accepted=frozenset(b.id for b in pack.behaviours),
        refusal=outside(pack),
        budget=CreditBudget(pack.id, pack.version, row.budget_g),
    )
    summary = import_event_body(rt, body, content_type, max_rows=max_rows, scope=scope)
    return LiveImport(summary, row.budget_g, _left_g(rt, row))


@dataclass(frozen=True, slots=True)
class ScenarioImpact:
    """What an approved scenario's live events did so far."""

    scenario_id: str
    pack_id: str
    pack_version: str
    events_received: int
    rows_refused: int
    events_scored: int
    over_budget: int
    no_consent: int
    participants: int
    avoided_g: float
    avoided_kg: float
    energy_g: int
    budget_g: int
    budget_used_g: int
    budget_left_g: int
    per_day: list[ImpactDay]


def impact(rt: Runtime, principal: PartnerPrincipal, scenario_id: str) -> ScenarioImpact:
    """Events received and scored, participants, avoided CO2, energy and budget, per day."""
    row = _approved(rt, principal, scenario_id)
    assert row.pack_id is not None and row.pack_version is not None and row.budget_g is not None
    with rt.db.reading() as conn:
        found = scenarios_repo.impact(conn, scenario_id, row.pack_id, row.pack_version)
    left_g = budget_left_mg(row.budget_g, found.credited_mg) // MG_PER_G
    return ScenarioImpact(
        scenario_id=scenario_id,
        pack_id=row.pack_id,
        pack_version=row.pack_version,
        events_received=found.events,
        rows_refused=found.rejected,
        events_scored=found.statuses.get("scored", 0),
        over_budget=found.statuses.get("over_budget", 0),
        no_consent=found.statuses.get("no_consent", 0),
        participants=found.participants,
        avoided_g=found.credited_mg / MG_PER_G,
        avoided_kg=found.credited_mg / MG_PER_G / 1000,
        energy_g=found.energy_g,
        budget_g=row.budget_g,
        budget_used_g=row.budget_g - left_g,
        budget_left_g=left_g,
        per_day=found.days,
    )
