"""Shapes of the statement routes: statements a participant brought from another instance."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from saxaul.api.schemas.game import ViewOut
from saxaul.domain.canonical_json import parse_strict
from saxaul.services.statement_imports import Imported


class ImportedStatementOut(ViewOut):
    """A statement brought from another instance: read-only history, never energy here."""

    id: int = Field(description="Its id here.")
    sha256: str = Field(description="SHA-256 of the signed file, hex: the same file is kept once.")
    issuer_key_id: str = Field(description="The key id of the instance that signed it.")
    origin_user_id: str = Field(description="Your pseudonymous id at the issuing instance.")
    period_from: dt.datetime = Field(description="Start of the period it covers.")
    period_to: dt.datetime = Field(description="End of the period it covers.")
    generated_at: dt.datetime = Field(description="When the issuing instance made it.")
    imported_at: dt.datetime = Field(description="When it was brought here.")


class ImportedStatementPage(BaseModel):
    """A page of imported statements, oldest first."""

    items: list[ImportedStatementOut] = Field(description="The statements on this page.")
    next_after_id: int | None = Field(
        description="Pass as `after_id` for the next page; null when this page is the last."
    )


class ImportedStatementFileOut(ImportedStatementOut):
    """One imported statement with its signed file (its canonical JSON, plus a newline, is the
    file byte for byte, so it verifies against the issuer's key)."""

    file: dict[str, Any] = Field(
        description="The signed statement file: `statement` and `signature` (docs/statement.md)."
    )

    @classmethod
    def of(cls, imported: Imported) -> ImportedStatementFileOut:
        """The answer for ``imported``, its verbatim file read back as JSON."""
        out = ImportedStatementOut.model_validate(imported)
        return cls(**out.model_dump(), file=parse_strict(imported.file))
