"""``GET /v1/operator/report?from=&to=[&format=html&lang=en]``: the impact report, and share links.

The same document ``saxaul report --from --to --out DIR`` writes (``services.impact``), so a
chart drawn from either agrees; definitions, units, period and k travel with every table.
``format=html`` answers the offline page with charts drawn from that document
(``services.impact_page``); JSON stays the default.

A browser cannot send the operator's bearer key, so ``POST /v1/operator/report/links`` makes a
share link, ``/report/#{token}``, whose page (``saxaul/web/report``) posts the token to
``POST /v1/reports/shared``, which serves the HTML page without a header until it expires: the
token is a signed capability (``services.report_links``). That route is the one kind the API has
that is neither public nor behind a credential header ("capability link"). Why the fragment and
a form body rather than the token in the path: a path is written to every access log and proxy
log on the way, and a capability in a log is a capability anyone reading logs holds.

Example: ``GET /v1/operator/report?from=2016-08-01&to=2017-01-31`` → ``{"format_version": 1,
"period": {...}, "k": 10, "tables": {"participants_by_gender": {...}, ...}}``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request, status
from fastapi.responses import HTMLResponse

from saxaul.api.deps import RuntimeDep, require_operator
from saxaul.api.problems import problem_responses
from saxaul.api.rate_limits import PUBLIC_LIMIT
from saxaul.api.schemas.impact import ReportLinkIn, ReportLinkOut, SharedReportForm
from saxaul.domain.operators import Permission
from saxaul.services.certificate_page import Lang
from saxaul.services.impact import impact_report
from saxaul.services.impact_page import impact_html
from saxaul.services.report_links import create_link, shared_report_html

router = APIRouter(tags=["operator: reporting"])
shared = APIRouter(tags=["shared reports"], dependencies=[PUBLIC_LIMIT])
SHARED_PATH = "/v1/reports/shared"
LINK_PAGE = "/report/#{token}"
"""The share link: the opener page (``saxaul/web/report``) with the token in the fragment."""


@router.get(
    "/v1/operator/report",
    summary="The impact report: participants, avoided emissions, trees, engagement",
    dependencies=[require_operator(Permission.REPORTS_READ)],
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


@router.post(
    "/v1/operator/report/links",
    summary="A share link to the impact report's page, for a browser",
    status_code=status.HTTP_201_CREATED,
    response_model=ReportLinkOut,
    dependencies=[require_operator(Permission.REPORTS_SHARE)],
    responses=problem_responses("unauthorised", "invalid_period"),
)
def post_report_link(rt: RuntimeDep, request: Request, body: ReportLinkIn) -> ReportLinkOut:
    """A link anyone holding it can open, without a header, until it expires (default 24 hours,
    at most 7 days). It grants exactly that period's HTML page in that language; it cannot be
    revoked on its own (replacing the instance's signing key ends every link)."""
    link = create_link(
        rt, body.start, body.end, body.lang, dt.timedelta(hours=body.expires_in_hours)
    )
    path = link_path(link.token)
    return ReportLinkOut(
        url=str(request.base_url).rstrip("/") + path,
        path=path,
        start=link.start,
        end=link.end,
        lang=link.lang,
        expires_at=link.expires_at,
    )


def link_path(token: str) -> str:
    """Where a share link's token is opened (the demo prints it too)."""
    return LINK_PAGE.format(token=token)


@shared.post(
    SHARED_PATH,
    summary="The impact report's page, through a share link (no header)",
    response_class=HTMLResponse,
    responses={
        200: {"description": "The self-contained HTML page the link grants."},
        **problem_responses("report_link_invalid", "report_link_expired"),
    },
)
def post_shared_report(
    rt: RuntimeDep,
    form: Annotated[SharedReportForm, Form()],
) -> HTMLResponse:
    """The page of the period and language the link was made for. A link changed in any part is
    ``report_link_invalid`` (404, as a page that does not exist); an expired one is
    ``report_link_expired`` (403): ask the operator for a new link."""
    return HTMLResponse(shared_report_html(rt, form.token))
