"""Shapes of the operations endpoints (``/healthz``)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Health(BaseModel):
    """The process is up and answering HTTP."""

    status: str = Field(description="Always `ok`; no answer at all means not alive.")
