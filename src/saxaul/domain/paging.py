"""Pages of a list: at most ``limit`` items after a cursor, the id of the last item seen.

Why keyset (``after_id``) and not offsets: the lists paged this way grow while someone reads
them (keys, members, subscriptions, scenarios, friends, trees); an offset skips or repeats an
item whenever one is added before it, a cursor never does, and the query it needs stays cheap
however far one pages (``WHERE id > :after_id ORDER BY id LIMIT :limit``).

Why ``next_after_id`` is set whenever a page is full: telling a full last page from a full
middle one would cost a query for one more row; a client asks once more and gets an empty page.

Example: ``next_after_id([3, 5, 9], limit=3)`` → ``9`` (ask ``after_id=9`` next);
``next_after_id([3, 5], limit=3)`` → ``None`` (that was the last page).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

MAX_PAGE = 200
"""The most items one page of a list may ask for."""
DEFAULT_PAGE = 50
"""Items a page holds when the caller does not say."""

Id = TypeVar("Id", int, str)


def next_after_id(ids: Sequence[Id], limit: int) -> Id | None:
    """The cursor of the page after the one holding ``ids``; ``None`` after the last page."""
    return ids[-1] if ids and len(ids) >= limit else None
