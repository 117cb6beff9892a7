"""More trees planted than a project's capacity never produces an over-promise, on both stores.

A project of capacity N and 2N players racing to plant from many threads: exactly N trees are
promised, the rest are refused ``no_capacity`` (or, with the waiting list on, accepted as
``waiting`` and given a project once its capacity is raised), and no project ever owes more
than its capacity. A co-planting holds its place from its start, and gives it back when it is
cancelled.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from saxaul.bootstrap import bootstrap
from saxaul.config import Settings
from saxaul.domain.partners import Mode, PartnerKind, PartnerPrincipal, PartnerStatus, Scope
from saxaul.domain.play import CancelTree, Collect, CoPlant, Plant
from saxaul.domain.projects import EvidenceItem, ProjectOutcome, ProjectStatus
from saxaul.services import partners
from saxaul.services.balls import mint_balls
from saxaul.services.game import play
from saxaul.services.imports import import_event_body
from saxaul.services.ledger_audit import audit
from saxaul.services.projects import (
    ProjectDraft,
    allocate_waiting,
    create_project,
    update_project,
)
from saxaul.services.runtime import Runtime
from saxaul.store.tables import balls, projects, tree_liabilities
from tests.conftest import FakeClock
from tests.game_world import befriend, bus_trip_event, enrol

from .test_game_concurrency import race

N = 6
SPECIES = "caragana"  # 16,930 g: 250 bus trips (20,000 g) plant one
SITE = {"name": "Test site", "region_zh": "测试", "region_en": "Test", "geometry": None}


@pytest.fixture
def rt(database_url: str, clock: FakeClock) -> Iterator[Runtime]:
    """A runtime with no default projects: the test's project is the only room."""
    runtime = bootstrap(Settings(database_url=database_url, projects=""), clock=clock)
    yield runtime
    runtime.db.dispose()


def ngo(rt: Runtime) -> PartnerPrincipal:
    partners.signup(
        rt,
        partners.Application("ngo-cap", "NGO", None, PartnerKind.NGO, "o@ngo.example", "Owner"),
    )
    partners.decide(rt, "ngo-cap", approve=True, by="test", note=None)
    return PartnerPrincipal(
        0, "ngo-cap", Mode.LIVE, frozenset(Scope), PartnerKind.NGO, PartnerStatus.APPROVED
    )


def project_of(rt: Runtime, partner: PartnerPrincipal, capacity: int) -> str:
    draft = ProjectDraft(
        outcome=ProjectOutcome.TREES,
        species_id=SPECIES,
        unit=None,
        title_en="Caragana",
        title_zh=None,
        site=SITE,
        capacity=capacity,
        unit_cost_minor=None,
        currency=None,
        energy_price_g=None,
        starts_on=dt.date(2026, 1, 1),
        ends_on=None,
        evidence_required=(EvidenceItem.PLANTING_DATE,),
        status=ProjectStatus.OPEN,
    )
    return create_project(rt, partner, draft).id


def funded(rt: Runtime, clock: FakeClock, users: list[str], tmp_path: Path) -> None:
    """Enrol ``users`` and give each 20,000 g, collected, in one import and one batch."""
    enrol(rt, users, tmp_path)
    yesterday = (clock.now() - dt.timedelta(days=1)).date()
    events = [bus_trip_event(user, 250, yesterday) for user in users]
    body = json.dumps(events).encode()
    import_event_body(rt, body, "application/json", max_rows=len(users))
    mint_balls(rt)
    clock.advance(hours=25)
    with rt.db.engine.connect() as conn:
        owned = conn.execute(sa.select(balls.c.id, balls.c.owner)).all()
    assert all(o.ok for o in play(rt, [Collect(owner, ball) for ball, owner in owned]))


def allocation(rt: Runtime) -> tuple[dict[str, tuple[int, int]], Counter[tuple[str, str | None]]]:
    """Each project's (capacity, allocated), and liabilities per (status, project)."""
    with rt.db.engine.connect() as conn:
        found = conn.execute(sa.select(projects.c.id, projects.c.capacity, projects.c.allocated))
        rooms = {row.id: (row.capacity, row.allocated) for row in found}
        rows = conn.execute(
            sa.select(tree_liabilities.c.status, tree_liabilities.c.project_id)
        ).all()
    return rooms, Counter((status, project) for status, project in rows)


def plant_race(rt: Runtime, users: list[str]) -> Counter[str]:
    results = race([lambda u=u: play(rt, [Plant(u, SPECIES, f"t-{u}")]) for u in users])
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors[:3]
    return Counter("ok" if o.ok else str(o.refusal and o.refusal.code) for (o,) in results)


def test_more_plantings_than_capacity_never_over_promise(
    rt: Runtime, clock: FakeClock, tmp_path: Path
) -> None:
    project = project_of(rt, ngo(rt), N)
    users = [f"p{n}" for n in range(2 * N)]
    funded(rt, clock, users, tmp_path)

    assert plant_race(rt, users) == {"ok": N, "no_capacity": N}

    rooms, liabilities = allocation(rt)
    assert rooms == {project: (N, N)}
    assert liabilities == {("owed", project): N}
    assert audit(rt).problems == []


def test_with_the_waiting_list_the_rest_wait_until_capacity_is_raised(
    rt: Runtime, clock: FakeClock, tmp_path: Path
) -> None:
    waiting = dataclasses.replace(rt, tree_waiting_list=True)
    partner = ngo(rt)
    project = project_of(rt, partner, N)
    users = [f"w{n}" for n in range(2 * N)]
    funded(rt, clock, users, tmp_path)

    assert plant_race(waiting, users) == {"ok": 2 * N}
    assert allocation(rt) == ({project: (N, N)}, {("owed", project): N, ("waiting", None): N})
    assert allocate_waiting(rt) == 0, "no room yet"

    update_project(rt, partner, project, {"capacity": 2 * N - 1})
    assert allocate_waiting(rt) == N - 1
    update_project(rt, partner, project, {"capacity": 2 * N})
    assert allocate_waiting(rt) == 1
    assert allocation(rt) == ({project: (2 * N, 2 * N)}, {("owed", project): 2 * N})


def test_a_co_planting_holds_its_place_until_cancelled(
    rt: Runtime, clock: FakeClock, tmp_path: Path
) -> None:
    project = project_of(rt, ngo(rt), 1)
    funded(rt, clock, ["c1", "c2", "c3"], tmp_path)
    befriend(rt, "c1", "c2")

    (started,) = play(rt, [CoPlant("c1", SPECIES, ("c2",), "t-co")])
    (full,) = play(rt, [Plant("c3", SPECIES, "t-solo")])
    assert started.ok and full.refusal is not None and full.refusal.code == "no_capacity"
    assert allocation(rt) == ({project: (1, 1)}, {("owed", project): 1})

    cancelled, planted = play(rt, [CancelTree("c1", "t-co"), Plant("c3", SPECIES, "t-solo")])
    assert cancelled.ok and planted.refusal is not None, "a place freed counts from the next batch"
    (planted,) = play(rt, [Plant("c3", SPECIES, "t-solo")])
    assert planted.ok
    assert allocation(rt) == ({project: (1, 1)}, {("owed", project): 1})
