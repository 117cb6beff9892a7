"""``imports.staged``: a pipeline stage in a thread, one item ahead, that never leaks it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from saxaul.services.imports import staged


def test_results_come_in_order_and_errors_reach_the_consumer() -> None:
    assert list(staged(range(5), lambda n: n * n, name="square")) == [0, 1, 4, 9, 16]

    def fail(n: int) -> int:
        if n == 2:
            raise ValueError("bad item")
        return n

    got: list[int] = []
    with pytest.raises(ValueError, match="bad item"):
        got.extend(staged(range(5), fail, name="fail"))
    assert got == [0, 1]


def test_a_consumer_that_stops_early_stops_the_stage_and_closes_its_source() -> None:
    closed: list[bool] = []
    worked: list[int] = []

    def source() -> Iterator[int]:
        try:
            yield from range(1_000)
        finally:
            closed.append(True)

    def work(n: int) -> int:
        worked.append(n)
        return n

    stage = staged(source(), work, name="early")
    assert next(stage) == 0
    stage.close()

    assert closed == [True]
    assert len(worked) <= 2  # the item taken, and at most the one being worked on
