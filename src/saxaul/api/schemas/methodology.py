"""Shapes of ``GET /v1/methodology/packs[/{ref}]``: the catalogue, and one pack whole.

A pack is shown in the shape of its ``pack.toml`` (see ``docs/methodology-format.md``), so
authors, ``saxaul methodology show --json`` and the API share one vocabulary. The nested parts
are passed through as the pack file has them rather than re-declared here: the pack JSON Schema
is their one definition.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from saxaul.methodology.load import pack_to_dict
from saxaul.services.packs_view import ShippedPack


class PackListingOut(BaseModel):
    """One shipped pack in the catalogue."""

    model_config = ConfigDict(from_attributes=True)

    ref: str = Field(description="`id@version`; the version never changes once published.")
    title: str = Field(description="The pack's title.")
    region: str = Field(description="Where the method applies, e.g. `Shenzhen, China`.")
    behaviours: int = Field(description="Behaviours the pack scores.")
    factors: int = Field(description="Emission factors it cites.")
    vectors: int = Field(description="Worked test vectors it ships.")
    content_hash: str = Field(description="`sha256:` hash of the pack's canonical content.")
    active: bool = Field(description="Whether the programme scores with this pack now.")


class PackDocument(BaseModel):
    """A methodology pack whole, in the shape of its pack file."""

    model_config = ConfigDict(extra="allow")

    format: str = Field(description="Pack format id, `saxaul-methodology/1`.")
    id: str = Field(description="Pack id, e.g. `ant-forest-2017`.")
    version: str = Field(description="Semantic version; a corrected factor is a new version.")
    title: str = Field(description="The pack's title.")
    summary: str = Field(description="What the pack covers, in a sentence or two.")
    region: str = Field(description="Where the method applies.")
    timezone: str = Field(description="IANA zone whose local dates caps and validity use.")
    effective_from: dt.date = Field(description="First local date the pack is in force.")
    effective_to: dt.date | None = Field(
        default=None, description="Last local date in force; absent while open-ended."
    )
    notes: str = Field(description="Method notes: baselines, assumptions, limits.")
    sources: list[dict[str, Any]] = Field(description="Cited sources, as in the pack file.")
    factors: list[dict[str, Any]] = Field(
        description="Emission factors (values as decimal strings), as in the pack file."
    )
    behaviours: list[dict[str, Any]] = Field(
        description="Behaviours with formula, factors and caps, as in the pack file."
    )
    vectors: list[dict[str, Any]] = Field(
        description="Worked test vectors, events expanded one per entry."
    )
    content_hash: str = Field(description="`sha256:` hash of the pack's canonical content.")
    active: bool = Field(description="Whether the programme scores with this pack now.")

    @classmethod
    def of(cls, shipped: ShippedPack) -> PackDocument:
        """The pack in its file's shape (``pack_to_dict``, that shape's one home) and ``active``."""
        return cls.model_validate(pack_to_dict(shipped.pack) | {"active": shipped.active})
