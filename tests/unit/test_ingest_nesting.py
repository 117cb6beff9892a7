"""Nesting is measured by a flat scan, so a value 100,000 levels deep is refused, not recursed."""

from __future__ import annotations

import pytest

from saxaul.ingest.columns import MAX_JSON_DEPTH
from saxaul.ingest.nesting import Nesting, TooDeep, loads, nesting, too_deep


def test_the_scan_finds_depth_key_and_end() -> None:
    text = '{"id": "e1", "attributes": {"a": [[1]]}} trailing'

    assert nesting(text) == Nesting(depth=4, key="attributes", end=text.index(" trailing"))


def test_brackets_inside_strings_do_not_count() -> None:
    assert nesting('{"a": "[[[{{{", "b\\"[": ["]]"]}') == Nesting(2, 'b"[', 31)


def test_a_run_of_closers_ends_the_value_at_its_own_bracket() -> None:
    text = "[[1]]]"

    assert nesting(text).end == 5


def test_an_unfinished_value_has_no_end() -> None:
    assert nesting("[" * 100_000).end is None


def test_loads_refuses_past_the_limit_without_recursing() -> None:
    deep = '{"attributes": {"a": ' + "[" * 100_000 + "]" * 100_000 + "}}"

    with pytest.raises(TooDeep) as refused:
        loads(deep, row=True)

    assert refused.value.key == "attributes"
    at_limit = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert too_deep(at_limit) is None and loads(at_limit) is not None
    assert too_deep("[" + at_limit + "]") is not None
