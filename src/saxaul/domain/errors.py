"""Errors as values with stable snake_case codes.

Why: the same refusal reaches a person through HTTP (RFC 9457 problem JSON), the CLI and import
summaries. The code is the contract; `api/problems.py` owns the one table that maps codes to HTTP
statuses, so no error here knows about HTTP.

Example: ``PackInvalid("pack_invalid", "caps.max_g must be > 0", field="behaviours[2].caps")``.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refusal with a stable ``code``, a human ``detail`` and named ``fields`` for context."""

    code: str = "domain_error"

    def __init__(self, detail: str, *, code: str | None = None, **fields: Any) -> None:
        super().__init__(detail)
        if code is not None:
            self.code = code
        self.detail = detail
        self.fields = fields


class PackInvalid(DomainError):
    """A methodology pack file breaks the format; ``fields['field']`` names where."""

    code = "pack_invalid"


class ProgrammeInvalid(DomainError):
    """The active packs cannot run together as configured (two score one real activity)."""

    code = "programme_invalid"


class PackConflict(DomainError):
    """A pack id@version already exists with different content: a change needs a new version."""

    code = "pack_conflict"


class NotFound(DomainError):
    """The named thing does not exist (or is not visible to the caller)."""

    code = "not_found"


class InputRejected(DomainError):
    """A whole request or file cannot be read at all (per-row problems are rejections instead)."""

    code = "input_rejected"


class Unauthorised(DomainError):
    """No valid credentials were presented."""

    code = "unauthorised"


class Forbidden(DomainError):
    """Credentials are valid but do not allow this action on this resource."""

    code = "forbidden"


class Conflict(DomainError):
    """The request clashes with what exists (a duplicate name, a changed immutable thing)."""

    code = "conflict"


class ParticipantErased(DomainError):
    """The participant was erased on request: nothing personal is left to show or change."""

    code = "participant_erased"
