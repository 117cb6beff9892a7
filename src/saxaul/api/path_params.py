"""Path parameters several routers share, declared once so their bounds and words agree.

Why here: a participant's id in a path is bounded like the column that stores it, and an operator
route naming a participant (their record, opt-out, a token for them, their erasure) must refuse
the same ids with the same words, whichever router it lives in.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from saxaul.ingest.columns import MAX_CHARS

UserId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=MAX_CHARS["user_id"],
        description="The participant's pseudonymous id, as enrolled.",
        examples=["u-000042"],
    ),
]
"""The participant named in the path (also what a refusal's audit entry names)."""
