"""Shapes of ``GET /v1/quarantine``: refused rows, a page at a time."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class QuarantinedRowOut(BaseModel):
    """One refused row, kept with its place and reason until someone looks at it."""

    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="Quarantine row id; pass the last one as `after_id` to page on.")
    import_id: int = Field(description="The import (file or HTTP request) the row came in.")
    import_name: str = Field(description="The import's name: a file name or `http:<hash>`.")
    location: str = Field(
        description="How `line` counts: `line` (1-based), `index` (0-based), `stream_message` "
        "(a stream message's sequence × 65,536 + the line's 0-based index in the message, under "
        "the import `stream <name>`) or `sequence` (older stream rows: the sequence alone)."
    )
    line: int = Field(description="Where the row was in its file or body.")
    code: str = Field(description="Stable snake_case reason code, e.g. `unknown_behaviour`.")
    field: str | None = Field(description="The column at fault, when one is.")
    reason: str = Field(description="What is wrong with the row, in plain words.")
    raw: str = Field(description="The row as received (possibly shortened).")


class QuarantinePage(BaseModel):
    """A page of quarantined rows, oldest first."""

    items: list[QuarantinedRowOut] = Field(description="The rows on this page.")
    total: int = Field(description="Rows matching the filters, on every page.")
    next_after_id: int | None = Field(
        description="Pass as `after_id` for the next page; null when this page is the last."
    )
