"""Projects: the default catalogue seeded at start-up, partners' own projects, the waiting list.

Why partners write their own projects: the default catalogue's capacities are placeholders
(``packs/catalogue/projects``); a partner replaces its default by a project stated from its
contract, and from then on trees of that species are promised within what it agreed to plant.
A tree project's energy price is always its species' cost (one price list), and a capacity is
never lowered below what is already promised (``capacity_below_allocated``).

Example: ``seed_catalogue(rt, "projects@1.0.0")`` at bootstrap adds the four default partners and
seven projects once; ``allocate_waiting(rt)`` gives waiting trees a project once one has room.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from saxaul.catalogue.projects import projects_release
from saxaul.domain.clock import to_us
from saxaul.domain.errors import Forbidden, NotFound
from saxaul.domain.liabilities import place_waiting
from saxaul.domain.partners import Mode, PartnerKind, PartnerPrincipal, PartnerStatus, Scope
from saxaul.domain.projects import (
    LAND_UNIT,
    TREE_UNIT,
    EvidenceItem,
    ProjectCatalogue,
    ProjectOutcome,
    ProjectRefused,
    ProjectStatus,
)
from saxaul.methodology.load import canonical_json
from saxaul.services.runtime import Runtime
from saxaul.store import driver, liabilities_repo, partners_repo, projects_repo
from saxaul.store.partners_repo import StoredPartner
from saxaul.store.projects_repo import StoredProject
from saxaul.store.uow import WriteUnitOfWork

__all__ = ["ProjectDraft", "StoredProject"]

WAITING_BATCH = 1_000
"""Waiting trees placed per transaction by ``allocate_waiting``: bounds the locks one holds."""


@dataclass(frozen=True, slots=True)
class ProjectDraft:
    """What a partner states to create a project (the API's body, validated for shape)."""

    outcome: ProjectOutcome
    species_id: str | None
    unit: str | None
    title_en: str
    title_zh: str | None
    site: Mapping[str, Any]
    capacity: int
    unit_cost_minor: int | None
    currency: str | None
    energy_price_g: int | None
    starts_on: dt.date
    ends_on: dt.date | None
    evidence_required: tuple[EvidenceItem, ...]
    status: ProjectStatus


# ---------------------------------------------------------------- the default catalogue


def seed_catalogue(rt: Runtime, ref: str) -> int:
    """Add the catalogue ``ref``'s partners (approved ngo, no keys) and projects (live, open)
    that are not there yet, in one unit of work; the number of projects added. Empty ``ref``:
    none."""
    if not ref:
        return 0
    catalogue = projects_release(ref, rt.species)
    at_us = to_us(rt.clock.now())
    rows = _catalogue_rows(rt, catalogue, at_us)

    def work(conn: WriteUnitOfWork) -> int:
        for partner in catalogue.partners:
            if partners_repo.partner(conn, partner.id) is None:
                partners_repo.insert_partner(
                    conn,
                    StoredPartner(
                        id=partner.id,
                        name_en=partner.name_en,
                        name_zh=partner.name_zh,
                        kind=partner.kind,
                        status=PartnerStatus.APPROVED.value,
                        contact_email="",
                        created_at_us=at_us,
                        decided_at_us=None,
                        decision_note=None,
                    ),
                )
        known = projects_repo.existing_ids(conn, [row.id for row in rows])
        added = [row for row in rows if row.id not in known]
        for row in added:
            projects_repo.insert_project(conn, row)
        return len(added)

    return rt.db.write(work)


def _catalogue_rows(rt: Runtime, catalogue: ProjectCatalogue, at_us: int) -> list[StoredProject]:
    """Each default project as a row: title, region and price from its species and partner."""
    partners = {p.id: p for p in catalogue.partners}
    rows = []
    for project in catalogue.projects:
        species, partner = rt.species.get(project.species_id), partners[project.partner_id]
        site = {
            "name": species.region.name_en,
            "region_zh": species.region.name_zh,
            "region_en": species.region.name_en,
            "geometry": None,
        }
        rows.append(
            StoredProject(
                id=project.id,
                partner_id=partner.id,
                mode=Mode.LIVE.value,
                outcome=ProjectOutcome.TREES.value,
                species_id=species.id,
                unit=TREE_UNIT,
                title_en=f"{species.name_en} planting by {partner.name_en}",
                title_zh=f"{partner.name_zh}{species.name_zh}种植",
                site=canonical_json(site),
                capacity=project.capacity,
                allocated=0,
                unit_cost_minor=None,
                currency=None,
                energy_price_g=species.energy_cost_g,
                starts_on=project.starts_on.isoformat(),
                ends_on=None if project.ends_on is None else project.ends_on.isoformat(),
                evidence_required=canonical_json([e.value for e in project.evidence_required]),
                status=ProjectStatus.OPEN.value,
                source=catalogue.ref,
                created_at_us=at_us,
                updated_at_us=at_us,
            )
        )
    return rows


# ---------------------------------------------------------------- partners' projects


def create_project(rt: Runtime, partner: PartnerPrincipal, draft: ProjectDraft) -> StoredProject:
    """A new project of ``partner`` in its key's mode; only NGOs (and the operator) plant."""
    partner.require(Scope.PROJECTS_WRITE)
    if partner.kind not in (PartnerKind.NGO, PartnerKind.OPERATOR):
        raise Forbidden(
            "only an NGO partner runs planting projects", code="forbidden", kind=str(partner.kind)
        )
    unit, price = _unit_and_price(rt, draft)
    _check_period(draft.starts_on, draft.ends_on)
    at_us = to_us(rt.clock.now())
    row = StoredProject(
        id=f"prj_{secrets.token_hex(8)}",
        partner_id=partner.partner_id,
        mode=partner.mode.value,
        outcome=draft.outcome.value,
        species_id=draft.species_id,
        unit=unit,
        title_en=draft.title_en,
        title_zh=draft.title_zh,
        site=canonical_json(dict(draft.site)),
        capacity=draft.capacity,
        allocated=0,
        unit_cost_minor=draft.unit_cost_minor,
        currency=draft.currency,
        energy_price_g=price,
        starts_on=draft.starts_on.isoformat(),
        ends_on=None if draft.ends_on is None else draft.ends_on.isoformat(),
        evidence_required=canonical_json([e.value for e in draft.evidence_required]),
        status=draft.status.value,
        source=None,
        created_at_us=at_us,
        updated_at_us=at_us,
    )
    rt.db.write(lambda conn: projects_repo.insert_project(conn, row))
    return row


def _unit_and_price(rt: Runtime, draft: ProjectDraft) -> tuple[str, int]:
    """A tree project's unit is ``tree`` and its price its species' cost; land is in m2; any
    other outcome states its unit and its price."""
    if draft.outcome is ProjectOutcome.TREES:
        if draft.species_id is None:
            raise _refused("a tree project names its species", "species_id")
        try:
            cost = rt.species.get(draft.species_id).energy_cost_g
        except KeyError:
            raise ProjectRefused(
                f"there is no species {draft.species_id}",
                code="unknown_species",
                field="species_id",
                species_id=draft.species_id,
            ) from None
        if draft.energy_price_g not in (None, cost):
            raise ProjectRefused(
                f"a {draft.species_id} costs {cost} g of energy in {rt.species.ref}; a tree "
                "project's price is its species' cost (one price list)",
                code="price_mismatch",
                field="energy_price_g",
                species_cost_g=cost,
            )
        if draft.unit not in (None, TREE_UNIT):
            raise _refused(f"a tree project counts in {TREE_UNIT!r}", "unit")
        return TREE_UNIT, cost
    if draft.species_id is not None:
        raise _refused("only a tree project names a species", "species_id")
    if draft.energy_price_g is None:
        raise _refused("state the energy price per unit", "energy_price_g")
    if draft.outcome is ProjectOutcome.LAND:
        if draft.unit not in (None, LAND_UNIT):
            raise _refused(f"land is counted in {LAND_UNIT!r}", "unit")
        return LAND_UNIT, draft.energy_price_g
    if draft.unit is None:
        raise _refused("state the unit this project delivers", "unit")
    return draft.unit, draft.energy_price_g


def _check_period(starts_on: dt.date, ends_on: dt.date | None) -> None:
    if ends_on is not None and ends_on < starts_on:
        raise _refused("ends_on is before starts_on", "ends_on")


def _refused(reason: str, field: str) -> ProjectRefused:
    return ProjectRefused(reason, code="project_invalid", field=field)


def partner_projects(
    rt: Runtime, partner: PartnerPrincipal, limit: int, after: str | None
) -> list[StoredProject]:
    """The partner's projects in its key's mode, by id."""
    partner.require(Scope.PROJECTS_READ)
    with rt.db.reading() as conn:
        return projects_repo.projects_of(conn, partner.partner_id, partner.mode.value, limit, after)


def partner_project(rt: Runtime, partner: PartnerPrincipal, project_id: str) -> StoredProject:
    """One of the partner's projects; another's, or the other mode's, is not found."""
    partner.require(Scope.PROJECTS_READ)
    with rt.db.reading() as conn:
        return _own(projects_repo.project(conn, project_id), partner, project_id)


def _own(found: StoredProject | None, partner: PartnerPrincipal, project_id: str) -> StoredProject:
    if found is None or found.partner_id != partner.partner_id or found.mode != partner.mode:
        raise NotFound(f"there is no project {project_id}", project_id=project_id)
    return found


def update_project(
    rt: Runtime, partner: PartnerPrincipal, project_id: str, changes: Mapping[str, Any]
) -> StoredProject:
    """Change the given fields of one of the partner's projects (its row locked meanwhile, so
    no planting takes a place while its capacity changes); ``changes`` holds only columns a
    partner may change (``title_en``, ``capacity``, ``status``, …), dates as ``dt.date``."""
    partner.require(Scope.PROJECTS_WRITE)
    values: dict[str, Any] = {
        name: value.isoformat() if isinstance(value, dt.date) else value
        for name, value in changes.items()
    }
    if "site" in values:
        values["site"] = canonical_json(values["site"])
    if "evidence_required" in values:
        items = values["evidence_required"]
        values["evidence_required"] = canonical_json([EvidenceItem(e).value for e in items])

    def work(conn: WriteUnitOfWork) -> StoredProject:
        stored = _own(projects_repo.project(conn, project_id, lock=True), partner, project_id)
        changed = dataclasses.replace(stored, **values)
        if changed.capacity < stored.allocated:
            raise ProjectRefused(
                f"{stored.allocated} trees are already promised to this project; its capacity "
                f"cannot go below that",
                code="capacity_below_allocated",
                field="capacity",
                allocated=stored.allocated,
            )
        if changed.status == ProjectStatus.DRAFT and stored.status != ProjectStatus.DRAFT:
            raise _refused("a project that was opened cannot become a draft again", "status")
        _check_period(
            dt.date.fromisoformat(changed.starts_on),
            None if changed.ends_on is None else dt.date.fromisoformat(changed.ends_on),
        )
        changed = dataclasses.replace(changed, updated_at_us=to_us(rt.clock.now()))
        projects_repo.update_project(
            conn, project_id, {**values, "updated_at_us": changed.updated_at_us}
        )
        return changed

    return rt.db.write(work)


def operator_projects(rt: Runtime, limit: int, after: str | None) -> list[StoredProject]:
    """Every partner's live projects, by id (the operator's view)."""
    with rt.db.reading() as conn:
        return projects_repo.projects_of(conn, None, Mode.LIVE.value, limit, after)


# ---------------------------------------------------------------- capacity


def remaining_capacity(rt: Runtime) -> dict[str, int]:
    """Trees each species may still be promised (open live projects together)."""
    with rt.db.reading() as conn:
        return liabilities_repo.remaining_by_species(conn)


def allocate_waiting(rt: Runtime) -> int:
    """Give waiting trees a project where one now has room, oldest first, in transactions of
    ``WAITING_BATCH``; how many were placed. The scheduled job and ``saxaul trees allocate``."""
    placed_total = 0
    while True:

        def work(conn: WriteUnitOfWork) -> tuple[int, int]:
            # rooms first, locked: a second runner waits here, then reads what this one left
            species = {s.id for s in rt.species.species}
            rooms = driver.read(conn, liabilities_repo.rooms_read(species))
            waiting = liabilities_repo.waiting(conn, WAITING_BATCH)
            placed = place_waiting(rooms, waiting)
            liabilities_repo.place(conn, placed, to_us(rt.clock.now()))
            return len(placed), len(waiting)

        placed, seen = rt.db.write(work)
        placed_total += placed
        if placed == 0 or seen < WAITING_BATCH:
            return placed_total
