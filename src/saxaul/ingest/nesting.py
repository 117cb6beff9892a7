"""How deep JSON text nests, measured without recursion, so no input can exhaust a parser.

Why: Python's ``json`` recurses once per level of objects and lists and raises
``RecursionError`` near 1,000 levels; Polars refuses past about 1,000 too. Input is measured
here first, by a flat scan over tokens (a run of brackets is one token, so a value nested
100,000 deep costs two), and anything nested deeper than ``MAX_JSON_DEPTH`` is refused with a
reason before a parser sees it. Example::

    nesting('{"id": "e1", "attributes": {"a": [[1]]}}')
    → Nesting(depth=4, key='attributes', end=40)     # the row object is level 1
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from saxaul.ingest.columns import MAX_JSON_DEPTH

_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[{]+|[\]}]+|:')
"""A string (skipped whole: brackets in it do not count), a run of openers or closers, a colon."""


@dataclass(frozen=True, slots=True)
class Nesting:
    """What a scan of one JSON value found."""

    depth: int
    """Deepest level reached: a scalar is 0, ``[]`` is 1, ``{"a": [1]}`` is 2."""
    key: str | None
    """The key of the outermost object under which ``depth`` is first reached."""
    end: int | None
    """Index just past the value (``None``: the text ends before the value does)."""


class TooDeep(Exception):
    """JSON text nests deeper than the limit; ``key`` names the outermost key it is under."""

    def __init__(self, found: Nesting) -> None:
        super().__init__(f"nested more than {MAX_JSON_DEPTH} levels deep")
        self.key = found.key


def nesting(text: str, start: int = 0) -> Nesting:
    """Scan the value that starts at ``text[start]`` (an object or a list)."""
    depth = deepest = 0
    key = deep_key = last = None
    for match in _TOKENS.finditer(text, start):
        token = match.group()
        first = token[0]
        if first in "[{":
            depth += len(token)
            if depth > deepest:
                deepest, deep_key = depth, key
        elif first in "]}":
            if len(token) >= depth:
                return Nesting(deepest, deep_key, match.start() + depth)
            depth -= len(token)
        elif first == ":":
            if depth == 1 and last is not None:
                key = json.loads(last)
        else:
            last = token
    return Nesting(deepest, deep_key, None)


def too_deep(text: str | bytes, *, levels: int = MAX_JSON_DEPTH) -> Nesting | None:
    """The scan of ``text`` when it nests deeper than ``levels``, else ``None``.

    Cheap for ordinary text: fewer opening brackets than ``levels`` cannot nest that deep.
    """
    if isinstance(text, bytes):
        if text.count(b"[") + text.count(b"{") <= levels:
            return None
        text = text.decode("utf-8", errors="replace")
    elif text.count("[") + text.count("{") <= levels:
        return None
    start = len(text) - len(text.lstrip())
    found = nesting(text, start)
    return found if found.depth > levels else None


def loads(text: str | bytes, *, row: bool = False, **options: Any) -> Any:
    """``json.loads`` that raises ``TooDeep`` instead of recursing past the limit.

    ``row=True``: ``text`` is a whole row object, one level above its fields' values.
    """
    found = too_deep(text, levels=MAX_JSON_DEPTH + row)
    if found is not None:
        raise TooDeep(found)
    return json.loads(text, **options)
