"""The liability pipeline: how many promised trees are owed, ordered, planted, alive or lost.

Why one view for operator, partner and CLI: the platform's first duty is to the participants
whose energy became promises, so at any moment it must be able to say how many trees it owes,
how many are in the ground, how many were found alive, and what sink the living ones may
stand for — with the method beside the figure (``domain.sink``), never a bare number.

Example: ``liability_summary(rt)`` → totals ``owed 3, ordered 10, planted 20, alive 8, lost 2,
replaced 1``, the same by project and by species, and the estimated sink of saxaul.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from saxaul.domain.liabilities import LiabilityStatus
from saxaul.domain.orders import Irrigation
from saxaul.domain.partners import PartnerPrincipal
from saxaul.domain.sink import PlantedTrees, SinkEstimate, estimate_sink
from saxaul.services.runtime import Runtime
from saxaul.store import pipeline_repo
from saxaul.store.pipeline_repo import StatusCount


@dataclass(slots=True)
class Counts:
    """Trees in each status, and how many of them were ever replanted after a loss."""

    waiting: int = 0
    owed: int = 0
    ordered: int = 0
    planted: int = 0
    alive: int = 0
    lost: int = 0
    replaced: int = 0

    @property
    def total(self) -> int:
        return self.waiting + self.owed + self.ordered + self.planted + self.alive + self.lost

    def add(self, row: StatusCount) -> None:
        status = LiabilityStatus(row.status).value
        setattr(self, status, getattr(self, status) + row.trees)
        self.replaced += row.replaced


@dataclass(frozen=True, slots=True)
class ProjectLine:
    """The trees one project owes (``project_id`` ``None``: the waiting list) of one species."""

    project_id: str | None
    species_id: str
    counts: Counts


@dataclass(frozen=True, slots=True)
class Pipeline:
    """The pipeline by project and species, by species, in total, and the estimated sink."""

    projects: tuple[ProjectLine, ...]
    species: dict[str, Counts]
    total: Counts
    sink: SinkEstimate
    partner_id: str | None


def liability_summary(rt: Runtime, partner: PartnerPrincipal | None = None) -> Pipeline:
    """Every promised tree (the operator's view), or those of ``partner``'s projects in its
    key's mode."""
    partner_id = None if partner is None else partner.partner_id
    mode = None if partner is None else partner.mode.value
    with rt.db.reading() as conn:
        rows = pipeline_repo.status_counts(conn, partner_id, mode)
        planted = pipeline_repo.planted_counts(conn, partner_id, mode)
        observed = pipeline_repo.observed_survival(conn, partner_id)
    lines: dict[tuple[str | None, str], Counts] = {}
    species: dict[str, Counts] = {}
    total = Counts()
    for row in rows:
        for counts in (
            lines.setdefault((row.project_id, row.species_id), Counts()),
            species.setdefault(row.species_id, Counts()),
            total,
        ):
            counts.add(row)
    groups = _planted_trees(planted, observed)
    return Pipeline(
        projects=tuple(ProjectLine(p, s, c) for (p, s), c in lines.items()),
        species=species,
        total=total,
        sink=estimate_sink(groups, rt.species),
        partner_id=partner_id,
    )


def _planted_trees(
    rows: Iterable[pipeline_repo.PlantedCount], observed: dict[str, tuple[int, int]]
) -> list[PlantedTrees]:
    return [
        PlantedTrees(
            species_id=row.species_id,
            verified_alive=row.status == LiabilityStatus.ALIVE.value,
            observed=observed.get(row.order_id),
            irrigated=row.irrigation == Irrigation.DRIP.value,
            trees=row.trees,
        )
        for row in rows
    ]
