"""``GET /v1/operator/report?from=&to=``: the impact report as one JSON document.

The same document ``saxaul report --from --to --out DIR`` writes (``services.impact``), so a
chart drawn from either agrees; definitions, units, period and k travel with every table.

Example: ``GET /v1/operator/report?from=2016-08-01&to=2017-01-31`` → ``{"format_version": 1,
"period": {...}, "k": 10, "tables": {"participants_by_gender": {...}, ...}}``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query

from saxaul.api.deps import OPERATOR_ONLY, RuntimeDep
from saxaul.api.problems import problem_responses
from saxaul.services.impact import impact_report

router = APIRouter(tags=["operator: reporting"], dependencies=[OPERATOR_ONLY])


@router.get(
    "/v1/operator/report",
    summary="The impact report: participants, avoided emissions, trees, engagement",
    responses=problem_responses("unauthorised", "invalid_period"),
)
def get_impact_report(
    rt: RuntimeDep,
    start: Annotated[dt.date, Query(alias="from", description="first local day")],
    end: Annotated[dt.date, Query(alias="to", description="last local day, inclusive")],
) -> dict[str, Any]:
    """The seed report's tables 2–6 and engagement for the period, small cells suppressed."""
    return impact_report(rt, start, end)
