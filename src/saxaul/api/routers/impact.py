"""``GET /v1/operator/report?from=&to=[&format=html&lang=en]``: the impact report.

The same document ``saxaul report --from --to --out DIR`` writes (``services.impact``), so a
chart drawn from either agrees; definitions, units, period and k travel with every table.
``format=html`` answers the offline page with charts drawn from that document
(``services.impact_page``); JSON stays the default.

Example: ``GET /v1/operator/report?from=2016-08-01&to=2017-01-31`` → ``{"format_version": 1,
"period": {...}, "k": 10, "tables": {"participants_by_gender": {...}, ...}}``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from saxaul.api.deps import OPERATOR_ONLY, RuntimeDep
from saxaul.api.problems import problem_responses
from saxaul.services.certificate_page import Lang
from saxaul.services.impact import impact_report
from saxaul.services.impact_page import impact_html

router = APIRouter(tags=["operator: reporting"], dependencies=[OPERATOR_ONLY])


@router.get(
    "/v1/operator/report",
    summary="The impact report: participants, avoided emissions, trees, engagement",
    responses={
        200: {
            "description": "`format=json`: the report document; `html`: a self-contained page "
            "with charts drawn from it.",
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "text/html": {"schema": {"type": "string"}},
            },
        },
        **problem_responses("unauthorised", "invalid_period"),
    },
)
def get_impact_report(
    rt: RuntimeDep,
    start: Annotated[dt.date, Query(alias="from", description="first local day")],
    end: Annotated[dt.date, Query(alias="to", description="last local day, inclusive")],
    format: Annotated[
        Literal["json", "html"], Query(description="json (the document) or html (a page)")
    ] = "json",
    lang: Annotated[
        Lang, Query(description="html: which language's labels come first (both are shown)")
    ] = "zh",
) -> Any:
    """The seed report's tables 2–6 and engagement for the period, small cells suppressed."""
    report = impact_report(rt, start, end)
    if format == "html":
        return HTMLResponse(impact_html(report, lang))
    return report
