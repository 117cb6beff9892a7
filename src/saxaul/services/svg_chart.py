"""Small inline SVG charts — lines, vertical bars (grouped or stacked), horizontal bars.

Why our own: the impact page must open offline and fetch nothing, so no charting script or font
can be loaded; a few hundred bytes of SVG per chart, drawn here from the report's figures, need
none. A value of ``None`` is never drawn as zero: a *hidden* one (suppressed for privacy) shades
its slot grey with the ``hidden_mark`` text, any other ``None`` is simply left out (a line gap).
Each SVG names itself (``<title>``, ``<desc>``) for screen readers; the page puts the numbers in
a table under it. Tick labels are a scale, not figures: they are round numbers of the axis.
Each drawn value (bar, line, lone point) has ``class="mark"``, so a browser test can tell a
chart that drew its figures from one that drew only axes.

Example: ``line_chart(Chart("c1", "Participants", "cumulative", ["2026-10", "2026-11"],
[Series("female", [2, None], hidden={1})], unit="participants"), hidden_mark="<10")`` →
``'<svg role="img" …><title id="c1-t">Participants</title>…</svg>'``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape

PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
"""Okabe–Ito colours: told apart with common colour-vision deficiencies, dark enough on white."""
HIDDEN_FILL = "#d9d9d9"
INK = "#222222"

Number = int | float


@dataclass(frozen=True, slots=True)
class Series:
    """One named run of values, one per category; ``hidden``: indices suppressed for privacy."""

    name: str
    values: Sequence[Number | None]
    hidden: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class Chart:
    """What every chart needs: an id unique on the page, its title and description, the
    categories along its axis, the series, and the value axis' unit."""

    id: str
    title: str
    desc: str
    categories: Sequence[str]
    series: Sequence[Series]
    unit: str


WIDTH, LEFT, RIGHT, TOP, BOTTOM = 760, 70, 20, 30, 60


def ticks(top: Number | Decimal, count: int = 5, *, whole: bool = False) -> list[Decimal]:
    """Round ticks from 0 to at least ``top``, steps of 1, 2 or 5 × 10ⁿ: ``ticks(7)`` → 0..8;
    ``whole``: the values are counts, so no step is below 1 (``ticks(2, whole=True)`` → 0, 1, 2,
    never 0.5 of a tree)."""
    if top <= 0:
        return [Decimal(0), Decimal(1)]
    raw = Decimal(str(top)) / count
    power = Decimal(10) ** raw.adjusted()
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    if whole:
        step = max(step, Decimal(1))
    n = int((Decimal(str(top)) / step).to_integral_value(rounding="ROUND_CEILING"))
    return [step * i for i in range(n + 1)]


def tick_text(value: Decimal) -> str:
    """A tick as plain decimal text, without exponent or trailing zeros."""
    return format(value.normalize(), "f")


def _e(value: object) -> str:
    return escape(str(value))


def _open(chart: Chart, height: int) -> str:
    return (
        f'<svg role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" aria-labelledby="{chart.id}-t {chart.id}-d" font-family="sans-serif" '
        f'font-size="12" fill="{INK}"><title id="{chart.id}-t">{_e(chart.title)}</title>'
        f'<desc id="{chart.id}-d">{_e(chart.desc)}</desc>'
    )


def text_width(text: str) -> int:
    """Roughly how wide ``text`` is drawn at 12 px, without a font to measure: CJK glyphs are
    square, Latin ones about half as wide; enough to keep labels apart."""
    return sum(7 if ord(c) < 0x2E80 else 12 for c in text)


LEGEND_ROW = 18


def _legend(chart: Chart, y: int, hidden_mark: str, kind: str) -> tuple[str, int]:
    """The legend from ``y`` down, wrapped onto further rows where it would run past the
    right edge; returns the markup and the height the extra rows add to the chart."""
    items = [(s.name, PALETTE[i % len(PALETTE)]) for i, s in enumerate(chart.series)]
    if any(s.hidden for s in chart.series):
        items.append((hidden_mark, HIDDEN_FILL))
    out, x, extra = [], LEFT, 0
    for name, colour in items:
        width = 30 + text_width(name)
        if x > LEFT and x + width - 12 > WIDTH - RIGHT:
            x, y, extra = LEFT, y + LEGEND_ROW, extra + LEGEND_ROW
        mark = (
            f'<line x1="{x}" y1="{y - 4}" x2="{x + 14}" y2="{y - 4}" stroke="{colour}" '
            'stroke-width="3"/>'
            if kind == "line" and colour != HIDDEN_FILL
            else f'<rect x="{x}" y="{y - 10}" width="14" height="10" fill="{colour}"/>'
        )
        out.append(f'{mark}<text x="{x + 18}" y="{y}">{_e(name)}</text>')
        x += width
    return "".join(out), extra


def _whole(chart: Chart) -> bool:
    """Whether every value is a count (an integer), so the scale has no fractional ticks."""
    return all(isinstance(v, int) for s in chart.series for v in s.values if v is not None)


def _value_axis(chart: Chart, top: Decimal, height: int) -> tuple[str, float]:
    """Horizontal grid lines with tick labels; returns the markup and pixels per unit."""
    unit = chart.unit
    levels = ticks(top, whole=_whole(chart))
    plot = height - TOP - BOTTOM
    scale = plot / float(levels[-1])
    out = [
        f'<text x="{LEFT - 60}" y="{TOP - 12}">{_e(unit)}</text>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{height - BOTTOM}" stroke="{INK}"/>',
    ]
    for level in levels:
        y = height - BOTTOM - float(level) * scale
        out.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#e0e0e0"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{tick_text(level)}</text>'
        )
    return "".join(out), scale


def _category_axis(chart: Chart, height: int, slot: float) -> str:
    widest = max((text_width(name) for name in chart.categories), default=0)
    every = max(1, math.ceil((widest + 12) / slot))  # every label clear of the next one shown
    base = height - BOTTOM
    out = [f'<line x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}" stroke="{INK}"/>']
    for i, name in enumerate(chart.categories):
        if i % every == 0:
            x = LEFT + slot * (i + 0.5)
            out.append(
                f'<line x1="{x:.1f}" y1="{base}" x2="{x:.1f}" y2="{base + 4}" stroke="{INK}"/>'
                f'<text x="{x:.1f}" y="{base + 16}" text-anchor="middle">{_e(name)}</text>'
            )
    return "".join(out)


def _hidden_slots(chart: Chart, height: int, slot: float, hidden_mark: str) -> str:
    hidden = sorted({i for s in chart.series for i in s.hidden})
    out = []
    for i in hidden:
        x = LEFT + slot * i
        out.append(
            f'<rect x="{x:.1f}" y="{TOP}" width="{slot:.1f}" height="{height - TOP - BOTTOM}" '
            f'fill="{HIDDEN_FILL}"><title>{_e(chart.categories[i])}: {_e(hidden_mark)}</title>'
            "</rect>"
        )
        if slot >= 24:
            out.append(
                f'<text x="{x + slot / 2:.1f}" y="{height - BOTTOM - 6}" text-anchor="middle">'
                f"{_e(hidden_mark)}</text>"
            )
    return "".join(out)


def _top(chart: Chart, stacked: bool) -> Decimal:
    if stacked:
        sums = [sum(s.values[i] or 0 for s in chart.series) for i in range(len(chart.categories))]
        return Decimal(str(max(sums, default=0)))
    values = [v for s in chart.series for v in s.values if v is not None]
    return Decimal(str(max(values, default=0)))


def line_chart(chart: Chart, hidden_mark: str, height: int = 300) -> str:
    """Each series as a line across the categories, broken where a value is ``None``."""
    axis, scale = _value_axis(chart, _top(chart, stacked=False), height)
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(chart.categories))
    lines = []
    for n, series in enumerate(chart.series):
        colour = PALETTE[n % len(PALETTE)]
        runs: list[list[str]] = [[]]
        for i, value in enumerate(series.values):
            if value is None:
                runs.append([])
                continue
            y = height - BOTTOM - value * scale
            runs[-1].append(f"{LEFT + slot * (i + 0.5):.1f},{y:.1f}")
        for run in runs:
            if len(run) == 1:
                cx, cy = run[0].split(",")
                lines.append(f'<circle class="mark" cx="{cx}" cy="{cy}" r="3" fill="{colour}"/>')
            elif run:
                lines.append(
                    f'<polyline class="mark" points="{" ".join(run)}" fill="none" '
                    f'stroke="{colour}" stroke-width="2"/>'
                )
    legend, extra = _legend(chart, height - 14, hidden_mark, "line")
    return (
        _open(chart, height + extra)
        + _hidden_slots(chart, height, slot, hidden_mark)
        + axis
        + _category_axis(chart, height, slot)
        + "".join(lines)
        + legend
        + "</svg>"
    )


def bar_chart(chart: Chart, hidden_mark: str, *, stacked: bool, height: int = 300) -> str:
    """Vertical bars per category: one per series side by side, or stacked into one."""
    axis, scale = _value_axis(chart, _top(chart, stacked), height)
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(chart.categories))
    width = slot * 0.8 / (1 if stacked else max(1, len(chart.series)))
    bars = []
    for i in range(len(chart.categories)):
        base = float(height - BOTTOM)
        for n, series in enumerate(chart.series):
            value = series.values[i]
            if value is None or value == 0:
                continue
            size = value * scale
            x = LEFT + slot * i + slot * 0.1 + (0 if stacked else n * width)
            y = base - size
            bars.append(
                f'<rect class="mark" x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" '
                f'height="{size:.1f}" fill="{PALETTE[n % len(PALETTE)]}"/>'
            )
            if stacked:
                base = y
    legend, extra = _legend(chart, height - 14, hidden_mark, "bar")
    return (
        _open(chart, height + extra)
        + _hidden_slots(chart, height, slot, hidden_mark)
        + axis
        + _category_axis(chart, height, slot)
        + "".join(bars)
        + legend
        + "</svg>"
    )


def hbar_chart(chart: Chart, hidden_mark: str, labels: Sequence[str] = ()) -> str:
    """One horizontal bar per category (first series), ranked as given; ``labels`` are written
    after each bar (e.g. a bucket)."""
    (series,) = chart.series
    row, left = 22, 150
    height = TOP + row * len(chart.categories) + 40
    values = [v for v in series.values if v is not None]
    levels = ticks(max(values, default=0), whole=_whole(chart))
    scale = (WIDTH - left - 160) / float(levels[-1])
    out = [_open(chart, height), f'<text x="{left}" y="{TOP - 12}">{_e(chart.unit)}</text>']
    bottom = TOP + row * len(chart.categories)
    for level in levels:
        x = left + float(level) * scale
        out.append(
            f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{bottom}" stroke="#e0e0e0"/>'
            f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle">{tick_text(level)}</text>'
        )
    for i, name in enumerate(chart.categories):
        y = TOP + row * i
        out.append(f'<text x="{left - 6}" y="{y + 15}" text-anchor="end">{_e(name)}</text>')
        value = series.values[i]
        if i in series.hidden:
            out.append(
                f'<rect x="{left}" y="{y + 3}" width="60" height="16" fill="{HIDDEN_FILL}"/>'
                f'<text x="{left + 4}" y="{y + 15}">{_e(hidden_mark)}</text>'
            )
        elif value is not None:
            end = left + value * scale
            out.append(
                f'<rect class="mark" x="{left}" y="{y + 3}" width="{value * scale:.1f}" '
                f'height="16" fill="{PALETTE[0]}"/>'
            )
            text = labels[i] if i < len(labels) else ""
            out.append(f'<text x="{end + 6:.1f}" y="{y + 15}">{_e(text)}</text>')
    out.append(f'<line x1="{left}" y1="{TOP}" x2="{left}" y2="{bottom}" stroke="{INK}"/></svg>')
    return "".join(out)
