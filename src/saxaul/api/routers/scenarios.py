"""Business green scenarios: ``/v1/partner/scenarios`` for businesses, review for operators.

A business proposes a behaviour as a methodology fragment, tries it on its own history in the
sandbox (nothing stored), submits it; an operator approves it with a budget
(``/v1/operator/scenarios/{id}/approve``), which registers it as a pack version; then the
business sends live events with a live key and reads the scenario's impact.

Example: ``POST /v1/partner/scenarios {"title": "Cup refills", "fragment": {...}}`` → 201
``{"id": "scn_…", "status": "draft", "pack_id": "scenario-acme", …}``; a fragment whose test
vector fails → 422 ``pack_invalid`` with ``field: "vectors[0]"`` naming the vector.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query
from starlette.concurrency import run_in_threadpool

from saxaul.api.deps import (
    JSON_ARRAY,
    NDJSON_TYPES,
    EventCountersDep,
    RuntimeDep,
    SettingsDep,
    UploadDep,
    partner_scope,
    require_operator,
)
from saxaul.api.paging import DEFAULT_PAGE, AfterText, Limit
from saxaul.api.problems import problem_responses
from saxaul.api.schemas.events import EventIn
from saxaul.api.schemas.scenarios import (
    ApproveIn,
    ImpactOut,
    RejectIn,
    SandboxOut,
    ScenarioImportResult,
    ScenarioIn,
    ScenarioOut,
    ScenarioPage,
    ScenarioRevision,
)
from saxaul.domain.operators import Permission
from saxaul.domain.paging import next_after_id
from saxaul.domain.partners import PartnerPrincipal, Scope
from saxaul.domain.scenarios import ScenarioStatus
from saxaul.services import scenario_events, scenario_sandbox, scenarios
from saxaul.services.operator_audit import OperatorAct
from saxaul.services.scenarios import Scenario

router = APIRouter(prefix="/v1/partner/scenarios", tags=["partner scenarios"])
operator_router = APIRouter(prefix="/v1/operator/scenarios", tags=["operator"])
Reviewer = Annotated[OperatorAct, require_operator(Permission.SCENARIOS_APPROVE)]

Reader = Annotated[PartnerPrincipal, partner_scope(Scope.SCENARIOS_READ)]
Writer = Annotated[PartnerPrincipal, partner_scope(Scope.SCENARIOS_WRITE)]
Sender = Annotated[PartnerPrincipal, partner_scope(Scope.EVENTS_WRITE)]
ScenarioId = Annotated[
    str,
    Path(pattern=r"^[A-Za-z0-9_-]+$", max_length=64, description="The scenario's id (`scn_…`)."),
]
_EVENT_SCHEMA = EventIn.model_json_schema()
_EVENTS_BODY = {
    "openapi_extra": {
        "requestBody": {
            "required": True,
            "description": "Events as a JSON array, or NDJSON (one event object per line), as "
            "for `POST /v1/events`; only the scenario's behaviours are accepted.",
            "content": {
                JSON_ARRAY: {"schema": {"type": "array", "items": _EVENT_SCHEMA}},
                **{ndjson: {"schema": _EVENT_SCHEMA} for ndjson in NDJSON_TYPES},
            },
        }
    }
}
_UPLOAD = ("request_too_large", "unsupported_media_type", "input_rejected")
_PARTNER = ("unauthorised", "forbidden", "not_found")


def _out(scenario: Scenario) -> ScenarioOut:
    return ScenarioOut.model_validate(scenario)


@router.post(
    "",
    status_code=201,
    summary="Propose a green scenario",
    response_model=ScenarioOut,
    responses=problem_responses("unauthorised", "forbidden", "pack_invalid"),
)
def propose(partner: Writer, body: ScenarioIn, rt: RuntimeDep) -> ScenarioOut:
    """Check the fragment like any methodology pack — schema, meaning, test vectors through
    both scorers, no behaviour id or activity the programme or another scenario already has —
    and keep it as a draft."""
    return _out(scenarios.propose(rt, partner, body.title, body.fragment))


@router.get(
    "",
    summary="List your scenarios",
    response_model=ScenarioPage,
    responses=problem_responses("unauthorised", "forbidden", "invalid_request"),
)
def list_scenarios(
    partner: Reader, rt: RuntimeDep, limit: Limit = DEFAULT_PAGE, after_id: AfterText = None
) -> ScenarioPage:
    """Your organisation's scenarios, newest first, a page at a time."""
    found = scenarios.scenarios(rt, partner, limit=limit, after_id=after_id)
    return ScenarioPage(
        scenarios=[_out(s) for s in found],
        next_after_id=next_after_id([s.id for s in found], limit),
    )


@router.get(
    "/{scenario_id}",
    summary="Show one of your scenarios",
    response_model=ScenarioOut,
    responses=problem_responses(*_PARTNER),
)
def get_scenario(partner: Reader, scenario_id: ScenarioId, rt: RuntimeDep) -> ScenarioOut:
    """The scenario with its fragment, last sandbox result and decision."""
    return _out(scenarios.scenario(rt, partner, scenario_id))


@router.put(
    "/{scenario_id}",
    summary="Revise a draft scenario",
    response_model=ScenarioOut,
    responses=problem_responses(*_PARTNER, "pack_invalid", "scenario_state"),
)
def revise(
    partner: Writer, scenario_id: ScenarioId, body: ScenarioRevision, rt: RuntimeDep
) -> ScenarioOut:
    """Replace the fragment of a draft (or rejected) scenario; it needs a new sandbox run."""
    return _out(scenarios.revise(rt, partner, scenario_id, body.title, body.fragment))


@router.post(
    "/{scenario_id}/sandbox",
    summary="Try a draft on historical events",
    response_model=SandboxOut,
    responses=problem_responses(*_PARTNER, *_UPLOAD, "scenario_state"),
    **_EVENTS_BODY,  # type: ignore[arg-type]
)
def sandbox(
    partner: Writer,
    scenario_id: ScenarioId,
    upload: UploadDep,
    rt: RuntimeDep,
    settings: SettingsDep,
) -> SandboxOut:
    """Score your own historical events (any user ids) under the draft, caps included, in
    memory: no event, award or energy is stored. The answer is kept as the scenario's
    `sandbox_result`, which reviewers read."""
    result = scenario_sandbox.run_sandbox(
        rt,
        partner,
        scenario_id,
        upload.body,
        upload.media_type,
        max_rows=settings.http_max_rows,
    )
    return SandboxOut.model_validate(result)


@router.post(
    "/{scenario_id}/submit",
    summary="Submit a sandboxed draft for review",
    response_model=ScenarioOut,
    responses=problem_responses(*_PARTNER, "scenario_state", "sandbox_required"),
)
def submit(partner: Writer, scenario_id: ScenarioId, rt: RuntimeDep) -> ScenarioOut:
    """Send the draft to the operators; it cannot change until they decide."""
    return _out(scenarios.submit(rt, partner, scenario_id))


@router.post(
    "/{scenario_id}/events",
    summary="Send live events of an approved scenario",
    response_model=ScenarioImportResult,
    responses=problem_responses(*_PARTNER, *_UPLOAD, "scenario_state", "live_key_required"),
    **_EVENTS_BODY,  # type: ignore[arg-type]
)
def send_events(
    partner: Sender,
    scenario_id: ScenarioId,
    upload: UploadDep,
    rt: RuntimeDep,
    settings: SettingsDep,
    counters: EventCountersDep,
) -> ScenarioImportResult:
    """Import the events exactly once, as `POST /v1/events` does (quarantine, consent, caps),
    scored with the programme's packs plus the scenario's approved version. Only the
    scenario's behaviours are accepted. Past the budget, events are kept with status
    `over_budget` and 0 credited (`over_budget` counts them). Needs a live key."""
    live = scenario_events.import_live(
        rt,
        partner,
        scenario_id,
        upload.body,
        upload.media_type,
        max_rows=settings.http_max_rows,
    )
    counters.observe(live.summary)
    return ScenarioImportResult.model_validate(
        {
            **dataclasses.asdict(live.summary),
            "budget_g": live.budget_g,
            "budget_left_g": live.budget_left_g,
        }
    )


@router.get(
    "/{scenario_id}/impact",
    summary="Impact of an approved scenario",
    response_model=ImpactOut,
    responses=problem_responses(*_PARTNER, "scenario_state"),
)
async def impact(partner: Reader, scenario_id: ScenarioId, rt: RuntimeDep) -> ImpactOut:
    """Events received and scored, participants, avoided CO2, energy issued, budget used and
    left, per local day."""
    found = await run_in_threadpool(scenario_events.impact, rt, partner, scenario_id)
    days = [
        {
            "date": dt.date.fromordinal(day.day).isoformat(),
            "events": day.events,
            "scored": day.scored,
            "avoided_g": day.credited_mg / 1000,
            "energy_g": day.energy_g,
        }
        for day in found.per_day
    ]
    return ImpactOut.model_validate({**dataclasses.asdict(found), "per_day": days})


@operator_router.get(
    "",
    summary="Scenarios to review",
    dependencies=[require_operator(Permission.PARTNERS_READ)],
    response_model=list[ScenarioOut],
    responses=problem_responses("unauthorised"),
)
def review_queue(
    rt: RuntimeDep,
    status: Annotated[
        ScenarioStatus | None, Query(description="Only scenarios in this status.")
    ] = None,
) -> list[ScenarioOut]:
    """Every partner's scenarios, newest first (`?status=submitted`: the review queue)."""
    return [_out(s) for s in scenarios.for_review(rt, status)]


@operator_router.post(
    "/{scenario_id}/approve",
    summary="Approve a submitted scenario with a budget",
    response_model=ScenarioOut,
    responses=problem_responses("unauthorised", "not_found", "scenario_state", "pack_invalid"),
)
def approve(
    scenario_id: ScenarioId, body: ApproveIn, rt: RuntimeDep, operator: Reviewer
) -> ScenarioOut:
    """Register the fragment as the next version of `scenario-<partner id>` (MAJOR if a kept
    behaviour scores differently, else MINOR), set its budget, and tell the partner
    (`scenario.approved`)."""
    return _out(
        scenarios.approve(
            rt, scenario_id, budget_g=body.budget_g, note=body.note, by=operator.key_name
        )
    )


@operator_router.post(
    "/{scenario_id}/reject",
    summary="Reject a submitted scenario",
    response_model=ScenarioOut,
    responses=problem_responses("unauthorised", "not_found", "scenario_state"),
)
def reject(
    scenario_id: ScenarioId, body: RejectIn, rt: RuntimeDep, operator: Reviewer
) -> ScenarioOut:
    """Refuse it with a note (`scenario.rejected`); the partner may revise and resubmit."""
    return _out(scenarios.reject(rt, scenario_id, note=body.note, by=operator.key_name))
