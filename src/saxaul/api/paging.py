"""The query parameters of a paged list route: ``limit`` and ``after_id`` (``domain.paging``).

Example: ``GET /v1/partner/keys?limit=2`` → ``{"keys": [{id: 1…}, {id: 4…}], "next_after_id":
4}``; ``GET /v1/partner/keys?limit=2&after_id=4`` → the next page, ``next_after_id: null`` on
the last.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from saxaul.domain.paging import DEFAULT_PAGE, MAX_PAGE
from saxaul.store.tables import INTEGER_MAX

__all__ = ["DEFAULT_PAGE", "AfterNumber", "AfterText", "Limit"]

Limit = Annotated[
    int,
    Query(
        ge=1,
        le=MAX_PAGE,
        description=f"Items per page, at most {MAX_PAGE} ({DEFAULT_PAGE} if not given).",
    ),
]
AfterNumber = Annotated[
    int,
    Query(
        ge=0,
        le=INTEGER_MAX,
        description="Start after this id: `next_after_id` of the page before (0, the first page).",
    ),
]
AfterText = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=128,
        description="Start after this id: `next_after_id` of the page before (none, the first).",
    ),
]
