"""Request and response bodies of the impact report's share links."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from saxaul.api.schemas import BodyIn
from saxaul.services.certificate_page import Lang
from saxaul.services.report_links import DEFAULT_TTL, MAX_TTL

_HOUR = dt.timedelta(hours=1)


class ReportLinkIn(BaseModel):
    """The report a share link grants, and how long it lives."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    start: dt.date = Field(alias="from", description="First local day of the report.")
    end: dt.date = Field(alias="to", description="Last local day, inclusive.")
    lang: Lang = Field(default="zh", description="Which language's labels come first.")
    expires_in_hours: int = Field(
        default=DEFAULT_TTL // _HOUR,
        strict=True,
        ge=1,
        le=MAX_TTL // _HOUR,
        description=f"Hours until the link stops working (1 to {MAX_TTL // _HOUR}), a JSON "
        "integer; a link cannot be revoked on its own, so keep it short.",
    )


class ReportLinkOut(BaseModel):
    """A share link: anyone holding ``url`` can read the report until ``expires_at``."""

    url: str = Field(description="Open it in a browser; no header needed.")
    path: str = Field(description="The same link without scheme and host.")
    start: dt.date = Field(serialization_alias="from", description="First day of the report.")
    end: dt.date = Field(serialization_alias="to", description="Last day, inclusive.")
    lang: Lang = Field(description="Which language's labels come first on the page.")
    expires_at: dt.datetime = Field(description="When the link stops working (UTC).")


class SharedReportForm(BodyIn):
    """What a share link's page posts: the token from the link's fragment, and nothing else."""

    token: str = Field(
        max_length=200,
        description="The link's signed token: what follows `#` in the link, sent by the link's "
        "page as a form field.",
    )
