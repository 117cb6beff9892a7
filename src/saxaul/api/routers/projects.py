"""Planting projects: NGO partners create and run their own; the operator sees every live one.

Why the answer to another partner's project is 404: a key acts on its partner's rows in its
own mode only, and whether someone else's project exists is not its business
(``services.projects``). The energy price of a tree project is its species' cost, and a
capacity never goes below the trees already promised (409 ``capacity_below_allocated``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from saxaul.api.deps import RuntimeDep, partner_scope, require_operator
from saxaul.api.problems import problem_responses
from saxaul.api.schemas.projects import ProjectIn, ProjectOut, ProjectPage, ProjectPatch
from saxaul.domain.operators import Permission
from saxaul.domain.partners import PartnerPrincipal, Scope
from saxaul.services import projects
from saxaul.services.projects import StoredProject

MAX_PAGE = 200

router = APIRouter(prefix="/v1/partner/projects", tags=["projects"])
operator_router = APIRouter(prefix="/v1/operator/projects", tags=["projects"])

Reader = Annotated[PartnerPrincipal, partner_scope(Scope.PROJECTS_READ)]
Writer = Annotated[PartnerPrincipal, partner_scope(Scope.PROJECTS_WRITE)]
ProjectId = Annotated[str, Path(min_length=1, max_length=128, description="The project's id.")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"At most {MAX_PAGE} a page.")]
After = Annotated[
    str | None,
    Query(min_length=1, max_length=128, description="Start after this id (`next_after`)."),
]
_READ = ("unauthorised", "forbidden")


def _page(found: list[StoredProject], limit: int) -> ProjectPage:
    return ProjectPage(
        projects=[ProjectOut.of(p) for p in found],
        next_after=found[-1].id if len(found) == limit else None,
    )


@router.get(
    "", summary="Your projects", response_model=ProjectPage, responses=problem_responses(*_READ)
)
def list_projects(
    rt: RuntimeDep, partner: Reader, limit: Limit = 50, after: After = None
) -> ProjectPage:
    """Your projects in your key's mode (live or sandbox), by id."""
    return _page(projects.partner_projects(rt, partner, limit, after), limit)


@router.post(
    "",
    summary="Create a project",
    status_code=status.HTTP_201_CREATED,
    response_model=ProjectOut,
    responses=problem_responses(
        *_READ, "invalid_request", "project_invalid", "unknown_species", "price_mismatch"
    ),
)
def create_project(rt: RuntimeDep, partner: Writer, body: ProjectIn) -> ProjectOut:
    """A new project in your key's mode; NGO partners only. An open live tree project is
    promised trees of its species as participants plant them, up to its capacity."""
    return ProjectOut.of(projects.create_project(rt, partner, body.draft()))


@router.get(
    "/{project_id}",
    summary="One of your projects",
    response_model=ProjectOut,
    responses=problem_responses(*_READ, "not_found"),
)
def get_project(rt: RuntimeDep, partner: Reader, project_id: ProjectId) -> ProjectOut:
    """The project with its capacity and the trees already promised to it."""
    return ProjectOut.of(projects.partner_project(rt, partner, project_id))


@router.patch(
    "/{project_id}",
    summary="Change one of your projects",
    response_model=ProjectOut,
    responses=problem_responses(
        *_READ, "not_found", "invalid_request", "project_invalid", "capacity_below_allocated"
    ),
)
def patch_project(
    rt: RuntimeDep, partner: Writer, project_id: ProjectId, body: ProjectPatch
) -> ProjectOut:
    """Change the fields you send. Capacity cannot go below the trees already promised; close
    a project (`status: closed`) to stop new promises to it."""
    return ProjectOut.of(projects.update_project(rt, partner, project_id, body.changes()))


@operator_router.get(
    "",
    summary="Every partner's live projects",
    dependencies=[require_operator(Permission.PARTNERS_READ)],
    response_model=ProjectPage,
    responses=problem_responses("unauthorised"),
)
def operator_projects(rt: RuntimeDep, limit: Limit = 50, after: After = None) -> ProjectPage:
    """Every live project of every partner, with capacity and trees promised, by id."""
    return _page(projects.operator_projects(rt, limit, after), limit)
