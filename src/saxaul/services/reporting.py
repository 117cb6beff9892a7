"""Reporting use cases: read-only views over what has been scored and credited."""

from __future__ import annotations

from saxaul.reports.awards import (
    BehaviourTotal,
    ProgrammeTotals,
    behaviour_totals,
    programme_totals,
)
from saxaul.services.runtime import Runtime


def summary(rt: Runtime) -> tuple[ProgrammeTotals, list[BehaviourTotal]]:
    """Programme totals and per-behaviour totals, read in one snapshot."""
    with rt.db.reading() as conn:
        return programme_totals(conn), behaviour_totals(conn)
