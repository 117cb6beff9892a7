"""Shapes of ``POST /v1/events``: the event columns offered, and what the import did.

``EventIn`` documents the columns (OpenAPI shows it as the request body). The endpoint does not
validate bodies with it: the ingest layer reads the body row by row, so one bad row is a
rejection in the summary, never a refusal of the whole request. Its bounds are the ingest
layer's own (``ingest.columns``), so the document and the checks cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from saxaul.ingest.columns import AMOUNT_MINOR_MAX, MAX_CHARS, QUANTITY_MAX


class EventIn(BaseModel):
    """One low-carbon behaviour of one user, e.g. a metro ride paid in the app."""

    event_id: str = Field(
        max_length=MAX_CHARS["event_id"],
        description="The sender's id for this event; with `source` it identifies the event, so "
        "re-sending it is harmless (counted as a duplicate).",
        examples=["tx-20261101-000123"],
    )
    source: str = Field(
        max_length=MAX_CHARS["source"],
        description="The system the event comes from (e.g. `wallet`, `transit`).",
        examples=["transit"],
    )
    user_id: str = Field(
        max_length=MAX_CHARS["user_id"],
        description="Pseudonymous participant id, as enrolled; never a name or phone number.",
        examples=["u-000042"],
    )
    behaviour: str = Field(
        max_length=MAX_CHARS["behaviour"],
        description="Behaviour id defined by an active methodology pack "
        "(see `GET /v1/methodology/packs`).",
        examples=["metro_ride"],
    )
    occurred_at: dt.datetime = Field(
        description="When it happened: ISO 8601 with a UTC offset, e.g. "
        "`2026-11-01T08:12:00+08:00`. A time without an offset is rejected.",
        examples=["2026-11-01T08:12:00+08:00"],
    )
    quantity: float = Field(
        default=1.0,
        ge=0,
        le=QUANTITY_MAX,
        description="Activity amount in the behaviour's unit (rides, km, steps …); 1 if absent.",
        examples=[1.0],
    )
    amount_minor: int | None = Field(
        default=None,
        ge=0,
        le=AMOUNT_MINOR_MAX,
        description="Payment amount in minor currency units (fen, cents), when there is one.",
        examples=[350],
    )
    currency: str | None = Field(
        default=None,
        min_length=3,
        max_length=3,
        pattern=r"^[A-Za-z]{3}$",
        description="ISO 4217 code of `amount_minor`, e.g. `CNY` (any letter case).",
        examples=["CNY"],
    )
    merchant_category: str | None = Field(
        default=None,
        max_length=MAX_CHARS["merchant_category"],
        description="Merchant category code of the payment, when the behaviour needs one.",
        examples=["4111"],
    )
    attributes: dict[str, Any] | None = Field(
        default=None,
        description="A JSON object of further attributes some behaviours use; at most "
        f"{MAX_CHARS['attributes']} characters as compact JSON. Key order and spacing do not "
        "matter.",
        examples=[{"line": 1, "mode": "metro"}],
    )


class RejectionOut(BaseModel):
    """One refused row: where it was in the body and why."""

    index: int | None = Field(
        default=None, description="0-based position in a JSON array body (absent for NDJSON)."
    )
    line: int | None = Field(
        default=None, description="1-based line number in an NDJSON body (absent for arrays)."
    )
    code: str = Field(description="Stable snake_case reason code, e.g. `invalid_timestamp`.")
    field: str | None = Field(default=None, description="The column at fault, when one is.")
    reason: str = Field(description="What is wrong with the row, in plain words.")


class ImportResult(BaseModel):
    """What one bulk request did; totals cover every row, `rejections` shows the first few."""

    model_config = ConfigDict(from_attributes=True)

    import_id: int = Field(
        description="The import this request was recorded as; filter `GET /v1/quarantine` by it."
    )
    rows_read: int = Field(description="Rows in the body.")
    new_events: int = Field(description="Events stored for the first time.")
    duplicates: int = Field(description="Events already stored with identical fields (harmless).")
    rejected: int = Field(description="Rows refused and quarantined, with a reason each.")
    scored: int = Field(description="New events scored under a methodology pack.")
    no_consent: int = Field(
        description="New events kept but not scored: unknown user, no consent or opted out."
    )
    not_effective: int = Field(
        description="New events kept but not scored: their pack was not in force on that date."
    )
    ineligible: int = Field(
        description="New events kept but not scored: a pack rule refused them (a second bill "
        "for one account in a month, a hospital visit not yet made, a missing attribute)."
    )
    awards: int = Field(description="Awards created: one per user, day and behaviour scored.")
    energy_g: int = Field(description="Green energy credited, in grams.")
    rejections: list[RejectionOut] = Field(
        description="The first rejected rows (at most 20); all of them are in the quarantine."
    )
