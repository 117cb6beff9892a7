"""Bodies and answers of the business scenario routes (``api/routers/scenarios.py``)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from saxaul.api.schemas.events import ImportResult, RejectionOut
from saxaul.domain.scenarios import BUDGET_MAX_G

FRAGMENT_MAX_CHARS = 200_000
FRAGMENT_DESCRIPTION = (
    "A methodology fragment in the pack format (docs/methodology-format.md): "
    "`title`, `summary`, `region`, `timezone`, `effective_from`, `notes`, `sources`, "
    "`factors`, `behaviours` (each with an `activity`) and at least one test vector — as a "
    "JSON object, or as TOML text. Leave out `id` and `version`: the platform sets them "
    "(`scenario-<partner id>`, numbered at approval)."
)
Fragment = dict[str, Any] | Annotated[str, StringConstraints(max_length=FRAGMENT_MAX_CHARS)]


class ScenarioIn(BaseModel):
    """A new scenario: a title for people and the fragment to score it with."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200, examples=["Reusable cup refills"])
    fragment: Fragment = Field(description=FRAGMENT_DESCRIPTION)


class ScenarioRevision(BaseModel):
    """A draft's new fragment (and, optionally, a new title)."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=200)
    fragment: Fragment = Field(description=FRAGMENT_DESCRIPTION)


class BreakdownOut(BaseModel):
    """Events and credit of one day (`date`) or one behaviour (`behaviour`)."""

    model_config = ConfigDict(extra="allow")

    events: int
    scored: int
    avoided_g: float
    energy_g: int


class SandboxOut(BaseModel):
    """What the draft would credit for the events sent: nothing of it is stored but this."""

    rows: int = Field(description="Rows in the body.")
    events: int = Field(description="Rows accepted (valid, not repeated in the body).")
    duplicates: int = Field(description="Exact repeats dropped inside the body.")
    scored: int = Field(description="Events scored (every user counts as consented here).")
    capped: int = Field(description="Scored events credited less than their raw grams by a cap.")
    refused: dict[str, int] = Field(
        description="Rows refused or kept unscored, by reason (`unknown_behaviour`, "
        "`not_effective`, `already_claimed`, …)."
    )
    avoided_g: float = Field(description="CO2e avoided, in grams (to the milligram).")
    energy_g: int = Field(
        description="The energy cost: grams of green energy this history would issue, i.e. "
        "the budget it would need."
    )
    participants: int = Field(description="Distinct users who would earn energy.")
    per_day: list[BreakdownOut] = Field(description="Per local day (`date`).")
    per_behaviour: list[BreakdownOut] = Field(description="Per behaviour (`behaviour`).")
    rejections: list[RejectionOut] = Field(description="The first refused rows (at most 20).")


class ScenarioOut(BaseModel):
    """A scenario, its status and, once approved, its pack version and budget."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    partner_id: str
    title: str
    status: str = Field(description="draft | submitted | approved | rejected | suspended")
    fragment: dict[str, Any]
    sandbox_result: SandboxOut | None = Field(description="The last sandbox run's answer.")
    budget_g: int | None = Field(description="Energy the operator allows in total, in grams.")
    pack_id: str = Field(description="`scenario-<partner id>`: the pack its versions go under.")
    pack_version: str | None = Field(description="The approved version, once approved.")
    created_at_us: int
    submitted_at_us: int | None
    decided_at_us: int | None
    decision_note: str | None


class ScenarioPage(BaseModel):
    """A page of scenarios, newest first."""

    scenarios: list[ScenarioOut]
    next_after_id: str | None = Field(
        description="Pass as `after_id` for the next page; `null` after the last."
    )


class ApproveIn(BaseModel):
    """An operator's approval: how much energy the scenario may credit, in total."""

    model_config = ConfigDict(extra="forbid")

    budget_g: int = Field(ge=1, le=BUDGET_MAX_G, examples=[50_000])
    note: str | None = Field(default=None, max_length=2000)


class RejectIn(BaseModel):
    """An operator's rejection, with what the business should change."""

    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=1, max_length=2000)


class ScenarioImportResult(ImportResult):
    """An import's answer, plus the scenario's budget after it."""

    over_budget: int = Field(
        description="New events kept with status `over_budget` and 0 credited: the "
        "scenario's budget was spent before them."
    )
    budget_g: int = Field(description="The scenario's budget, in grams of energy.")
    budget_left_g: int = Field(description="Grams the budget may still credit.")


class ImpactDayOut(BaseModel):
    """One local day of a scenario's live events."""

    model_config = ConfigDict(from_attributes=True)

    date: str
    events: int
    scored: int
    avoided_g: float
    energy_g: int


class ImpactOut(BaseModel):
    """What an approved scenario's live events did so far."""

    scenario_id: str
    pack_id: str
    pack_version: str
    events_received: int = Field(description="Events stored from this scenario's requests.")
    rows_refused: int = Field(description="Rows refused and quarantined.")
    events_scored: int
    over_budget: int
    no_consent: int
    participants: int = Field(description="Distinct participants credited.")
    avoided_g: float = Field(description="CO2e avoided, in grams.")
    avoided_kg: float = Field(description="The same in kilograms.")
    energy_g: int = Field(description="Green energy issued, in grams.")
    budget_g: int
    budget_used_g: int
    budget_left_g: int
    per_day: list[ImpactDayOut]
