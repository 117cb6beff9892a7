"""The guard benchmark runs and reports a cost for every request shape it promises."""

from __future__ import annotations

import asyncio

from bench.guard import SHAPES, measure


def test_guard_bench_reports_every_shape() -> None:
    costs = asyncio.run(measure(2))

    assert set(costs) == set(SHAPES)
