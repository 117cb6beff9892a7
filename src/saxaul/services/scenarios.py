"""Business green scenarios: propose, revise, submit, and an operator's approval or rejection.

A business proposes a behaviour of its own as a methodology fragment; it is checked like any
pack (``scenario_packs``), tried on historical events in memory (``scenario_sandbox``),
submitted, and approved by an operator with an energy budget — which registers it as a new,
immutable version of the pack ``scenario-<partner id>`` — before live events are scored under
it (``scenario_events``).

Why one row per scenario whatever the key's mode: a proposal is the same text whichever key
wrote it, and nothing in it reaches real energy until an operator approves it; only live
events do, and only a live key may send them. Another partner's scenario is answered as not
found, exactly like one that does not exist.

Example: ``propose(rt, partner, "Reusable cups", {...})`` → ``Scenario(id="scn_…",
status="draft")``; after a sandbox run and ``submit``, ``approve(rt, "scn_…", budget_g=50_000,
note=None, by="ops")`` → ``status="approved", pack_version="1.0.0"`` and a
``scenario.approved`` webhook event.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from saxaul.datafiles import semver_key
from saxaul.domain.clock import to_us
from saxaul.domain.errors import Conflict, Forbidden, InputRejected, NotFound
from saxaul.domain.partners import PartnerKind, PartnerPrincipal
from saxaul.domain.scenarios import (
    DRAFT_VERSION,
    EDITABLE,
    ScenarioStatus,
    next_version,
    scenario_pack_id,
)
from saxaul.methodology.load import canonical_json
from saxaul.services.runtime import Runtime
from saxaul.services.scenario_packs import (
    approved_packs,
    check_beside,
    check_vectors,
    document_json,
    fragment_document,
    pack_document,
    scenario_pack,
    stored_pack,
)
from saxaul.store import packs_repo, scenarios_repo, webhook_outbox
from saxaul.store.scenarios_repo import StoredScenario
from saxaul.store.uow import UnitOfWork, WriteUnitOfWork

PROPOSERS = frozenset({PartnerKind.BUSINESS, PartnerKind.OPERATOR})
LIST_LIMIT = 200
WEBHOOK_MODE = "live"
"""Decisions are reported to live subscribers: an approval is what makes a scenario live."""


@dataclass(frozen=True, slots=True)
class Scenario:
    """A scenario as its partner and operators see it."""

    id: str
    partner_id: str
    title: str
    status: ScenarioStatus
    fragment: dict[str, Any]
    sandbox_result: dict[str, Any] | None
    budget_g: int | None
    pack_id: str
    pack_version: str | None
    created_at_us: int
    submitted_at_us: int | None
    decided_at_us: int | None
    decision_note: str | None

    @classmethod
    def of(cls, row: StoredScenario) -> Scenario:
        return cls(
            id=row.id,
            partner_id=row.partner_id,
            title=row.title,
            status=ScenarioStatus(row.status),
            fragment=json.loads(row.fragment),
            sandbox_result=None if row.sandbox_result is None else json.loads(row.sandbox_result),
            budget_g=row.budget_g,
            pack_id=scenario_pack_id(row.partner_id),
            pack_version=row.pack_version,
            created_at_us=row.created_at_us,
            submitted_at_us=row.submitted_at_us,
            decided_at_us=row.decided_at_us,
            decision_note=row.decision_note,
        )

    def summary(self) -> dict[str, Any]:
        """What a webhook event says of the scenario."""
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status.value,
            "pack_id": self.pack_id,
            "pack_version": self.pack_version,
            "budget_g": self.budget_g,
            "note": self.decision_note,
        }


def proposer(principal: PartnerPrincipal) -> PartnerPrincipal:
    """``principal`` if its organisation may propose scenarios (businesses, operators)."""
    if principal.kind not in PROPOSERS:
        raise Forbidden(
            f"green scenarios are proposed by businesses; a {principal.kind.value} partner "
            "cannot hold one",
            field="kind",
        )
    return principal


def own(
    conn: UnitOfWork, principal: PartnerPrincipal, scenario_id: str, *, lock: bool = False
) -> StoredScenario:
    """The partner's scenario (``lock``: for the unit of work); another's is not found."""
    row = scenarios_repo.scenario(conn, scenario_id, lock=lock)
    if row is None or row.partner_id != principal.partner_id:
        raise NotFound(f"no scenario {scenario_id!r}", field="scenario_id")
    return row


def in_status(row: StoredScenario, allowed: frozenset[ScenarioStatus], action: str) -> None:
    """Refuse ``action`` unless the scenario is in one of ``allowed``."""
    if ScenarioStatus(row.status) not in allowed:
        wanted = " or ".join(sorted(s.value for s in allowed))
        raise Conflict(
            f"scenario {row.id} is {row.status}; it can {action} only when {wanted}",
            code="scenario_state",
            status=row.status,
        )


def _checked(rt: Runtime, partner_id: str, fragment: Mapping[str, Any], besides: str | None) -> str:
    """Validate a fragment as a draft pack; returns it as stored (canonical JSON)."""
    pack = scenario_pack(partner_id, fragment, DRAFT_VERSION)
    check_vectors(pack)
    with rt.db.reading() as conn:
        others = approved_packs(conn, besides=besides)
    check_beside(rt, pack, others)
    return canonical_json(fragment)


def propose(
    rt: Runtime, principal: PartnerPrincipal, title: str, fragment: Mapping[str, Any] | str
) -> Scenario:
    """A new draft scenario, once its fragment passes every check a pack passes."""
    proposer(principal)
    stored_fragment = _checked(rt, principal.partner_id, fragment_document(fragment), None)
    row = StoredScenario(
        id="scn_" + secrets.token_hex(8),
        partner_id=principal.partner_id,
        title=title,
        fragment=stored_fragment,
        status=ScenarioStatus.DRAFT.value,
        sandbox_result=None,
        budget_g=None,
        pack_id=None,
        pack_version=None,
        created_at_us=to_us(rt.clock.now()),
        submitted_at_us=None,
        decided_at_us=None,
        decided_by=None,
        decision_note=None,
    )
    rt.db.write(lambda conn: scenarios_repo.insert_scenario(conn, row))
    return Scenario.of(row)


def revise(
    rt: Runtime,
    principal: PartnerPrincipal,
    scenario_id: str,
    title: str | None,
    fragment: Mapping[str, Any] | str,
) -> Scenario:
    """Replace a draft's (or a rejected scenario's) fragment; it is a draft again and needs a
    new sandbox run before it can be submitted."""
    proposer(principal)
    with rt.db.reading() as conn:
        own(conn, principal, scenario_id)  # a stranger learns nothing from a 422
    stored_fragment = _checked(rt, principal.partner_id, fragment_document(fragment), scenario_id)

    def work(conn: WriteUnitOfWork) -> StoredScenario:
        row = own(conn, principal, scenario_id, lock=True)
        in_status(row, EDITABLE, "be revised")
        values: dict[str, Any] = {
            "fragment": stored_fragment,
            "title": row.title if title is None else title,
            "status": ScenarioStatus.DRAFT.value,
            "sandbox_result": None,
        }
        scenarios_repo.update_scenario(conn, scenario_id, **values)
        return replace(row, **values)

    return Scenario.of(rt.db.write(work))


def scenario(rt: Runtime, principal: PartnerPrincipal, scenario_id: str) -> Scenario:
    """One of the partner's scenarios."""
    proposer(principal)
    with rt.db.reading() as conn:
        return Scenario.of(own(conn, principal, scenario_id))


def scenarios(
    rt: Runtime, principal: PartnerPrincipal, *, limit: int, after_id: str | None = None
) -> list[Scenario]:
    """The partner's scenarios, newest first: a page of ``limit`` after scenario ``after_id``."""
    proposer(principal)
    with rt.db.reading() as conn:
        rows = scenarios_repo.list_scenarios(
            conn, partner_id=principal.partner_id, limit=limit, after_id=after_id
        )
    return [Scenario.of(row) for row in rows]


def submit(rt: Runtime, principal: PartnerPrincipal, scenario_id: str) -> Scenario:
    """Send a sandboxed draft to the operators for review; it is frozen until they decide."""
    proposer(principal)
    at_us = to_us(rt.clock.now())

    def work(conn: WriteUnitOfWork) -> StoredScenario:
        row = own(conn, principal, scenario_id, lock=True)
        in_status(row, frozenset({ScenarioStatus.DRAFT}), "be submitted")
        if row.sandbox_result is None:
            raise Conflict(
                f"run scenario {scenario_id} in the sandbox first (POST /v1/partner/scenarios/"
                f"{scenario_id}/sandbox with historical events): reviewers read its result",
                code="sandbox_required",
            )
        values: dict[str, Any] = {
            "status": ScenarioStatus.SUBMITTED.value,
            "submitted_at_us": at_us,
        }
        scenarios_repo.update_scenario(conn, scenario_id, **values)
        return replace(row, **values)

    return Scenario.of(rt.db.write(work))


def for_review(rt: Runtime, status: ScenarioStatus | None) -> list[Scenario]:
    """Every partner's scenarios (in ``status``), newest first: the operators' queue."""
    with rt.db.reading() as conn:
        rows = scenarios_repo.list_scenarios(
            conn, status=None if status is None else status.value, limit=LIST_LIMIT
        )
    return [Scenario.of(row) for row in rows]


def _submitted(conn: UnitOfWork, scenario_id: str) -> StoredScenario:
    row = scenarios_repo.scenario(conn, scenario_id, lock=True)
    if row is None:
        raise NotFound(f"no scenario {scenario_id!r}", field="scenario_id")
    in_status(row, frozenset({ScenarioStatus.SUBMITTED}), "be decided")
    return row


def approve(rt: Runtime, scenario_id: str, *, budget_g: int, note: str | None, by: str) -> Scenario:
    """Register the scenario as the next version of its partner's pack, with a budget.

    The version is MAJOR or MINOR after the highest registered one (``domain.scenarios``);
    (id, version) is content-hashed and immutable like every pack's. The collision checks run
    again here, in the transaction: another scenario may have been approved since.
    """
    if budget_g <= 0:
        raise InputRejected(
            "a budget is a number of grams above 0", code="invalid_request", field="budget_g"
        )
    at_us = to_us(rt.clock.now())

    def work(conn: WriteUnitOfWork) -> StoredScenario:
        row = _submitted(conn, scenario_id)
        fragment = json.loads(row.fragment)
        draft = scenario_pack(row.partner_id, fragment, DRAFT_VERSION)
        check_beside(rt, draft, approved_packs(conn, besides=scenario_id))
        pack_id = scenario_pack_id(row.partner_id)
        versions = scenarios_repo.pack_versions(conn, pack_id)
        previous = stored_pack(conn, pack_id, max(versions, key=semver_key)) if versions else None
        document = pack_document(row.partner_id, fragment, next_version(previous, draft))
        pack = scenario_pack(row.partner_id, fragment, document["version"])
        packs_repo.register(conn, pack, document_json(document), at_us)
        values: dict[str, Any] = {
            "status": ScenarioStatus.APPROVED.value,
            "budget_g": budget_g,
            "pack_id": pack.id,
            "pack_version": pack.version,
            "decided_at_us": at_us,
            "decided_by": by,
            "decision_note": note,
        }
        return _decided(conn, row, values, "scenario.approved", at_us)

    return Scenario.of(rt.db.write(work))


def reject(rt: Runtime, scenario_id: str, *, note: str, by: str) -> Scenario:
    """Refuse a submitted scenario with a note; its partner may revise and submit it again."""
    at_us = to_us(rt.clock.now())

    def work(conn: WriteUnitOfWork) -> StoredScenario:
        row = _submitted(conn, scenario_id)
        values: dict[str, Any] = {
            "status": ScenarioStatus.REJECTED.value,
            "decided_at_us": at_us,
            "decided_by": by,
            "decision_note": note,
        }
        return _decided(conn, row, values, "scenario.rejected", at_us)

    return Scenario.of(rt.db.write(work))


def _decided(
    conn: WriteUnitOfWork, row: StoredScenario, values: dict[str, Any], event: str, at_us: int
) -> StoredScenario:
    """Store a decision and record its webhook event in the same unit of work."""
    scenarios_repo.update_scenario(conn, row.id, **values)
    decided = replace(row, **values)
    webhook_outbox.record(
        conn,
        partner_id=row.partner_id,
        mode=WEBHOOK_MODE,
        type=event,
        payload={"scenario": Scenario.of(decided).summary()},
        at_us=at_us,
    )
    return decided
