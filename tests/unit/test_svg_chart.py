"""The inline SVG charts keep their labels readable: whole ticks for counts, legends that wrap
inside the chart, category labels that never overlap."""

from __future__ import annotations

import itertools
import re
from decimal import Decimal

from saxaul.services.svg_chart import (
    LEFT,
    RIGHT,
    WIDTH,
    Chart,
    Series,
    bar_chart,
    line_chart,
    text_width,
    ticks,
)


def test_counts_have_whole_ticks_and_measures_keep_fractions() -> None:
    assert ticks(2, whole=True) == [0, 1, 2]
    assert ticks(2) == [Decimal("0"), Decimal("0.5"), 1, Decimal("1.5"), 2]
    assert ticks(0.041)[-1] == Decimal("0.05")


def _legend_texts(svg: str, top: int) -> list[tuple[float, str]]:
    return [
        (float(x), t)
        for x, y, t in re.findall(r'<text x="([\d.]+)" y="(\d+)">([^<]*)</text>', svg)
        if int(y) > top
    ]


def test_a_long_legend_wraps_inside_the_chart_and_the_chart_grows_for_it() -> None:
    names = [f"series number {n} · 第{n}组数据" for n in range(6)]
    chart = Chart(
        "c", "t", "d", ["2026-10"], [Series(name, [n]) for n, name in enumerate(names)], "u"
    )

    svg = bar_chart(chart, "<2 hidden", stacked=True)

    legend = _legend_texts(svg, 300 - 30)
    assert [name for _, name in legend] == names
    assert all(x + text_width(name) <= WIDTH - RIGHT + 12 for x, name in legend)
    assert sum(x == LEFT + 18 for x, _ in legend) >= 2  # more than one row
    height = int(re.search(r'viewBox="0 0 \d+ (\d+)"', svg).group(1))  # type: ignore[union-attr]
    assert height > 300


def test_category_labels_shown_are_at_least_a_label_apart() -> None:
    days = [f"2026-10-{d:02d}" for d in range(1, 32)]
    chart = Chart("c", "t", "d", days, [Series("active", list(range(31)))], "u")

    svg = line_chart(chart, "<2 hidden")

    shown = [
        float(x)
        for x, _ in re.findall(
            r'<text x="([\d.]+)" y="\d+" text-anchor="middle">(2026[^<]*)</text>', svg
        )
    ]
    assert len(shown) > 3
    gaps = [b - a for a, b in itertools.pairwise(shown)]
    assert min(gaps) >= text_width(days[0])
