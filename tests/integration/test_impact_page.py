"""The impact report's HTML page on the small hand-built world (both engines): a chart per
table, nothing fetched, every published figure printed as the JSON holds it, hidden cells shown
as hidden, titles in both languages."""

from __future__ import annotations

import dataclasses
import re
from html import escape
from pathlib import Path
from typing import Any

import pytest

from saxaul.services.impact import impact_report
from saxaul.services.impact_page import NO_ICON, hidden_mark, impact_html, number
from saxaul.services.runtime import Runtime
from tests.conftest import FakeClock
from tests.integration.test_impact_report import NOV, OCT, world

CHARTS = 10
"""gender, age, provinces, avoided (tonnes and per capita), trees, daily, monthly, energy,
pipeline; the retention table is its own heat map."""


@pytest.fixture
def report(runtime: Runtime, tmp_path: Path, clock: FakeClock) -> dict[str, Any]:
    """k = 2: the world shows both published and suppressed cells."""
    world(runtime, tmp_path, clock)
    return impact_report(dataclasses.replace(runtime, report_min_cell=2), OCT, NOV)


def cells(page: str) -> list[str]:
    return re.findall(r"<td[^>]*>(.*?)</td>", page)


def test_every_table_has_its_chart_and_the_page_fetches_nothing(report: dict[str, Any]) -> None:
    page = impact_html(report, "en")

    svgs = re.findall(r"<svg .*?</svg>", page)
    assert len(svgs) == CHARTS
    assert all("<title id=" in svg and "<desc id=" in svg for svg in svgs)
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"<(script|link|img|iframe)\b|url\(|@import", page.replace(NO_ICON, ""))
    for table in report["tables"]:
        assert f'<section id="{table}">' in page


def test_every_published_figure_is_printed_as_the_json_holds_it(report: dict[str, Any]) -> None:
    printed = cells(impact_html(report, "zh"))

    for table in report["tables"].values():
        for row in table["rows"]:
            for column, value in row.items():
                if isinstance(value, (int, float)) and column not in row["suppressed"]:
                    assert escape(number(value)) in printed, (table["title"], column, value)
    assert "0.000208" in printed  # November's avoided tonnes, not rounded away


def test_suppressed_cells_read_hidden_and_are_shaded_not_drawn(report: dict[str, Any]) -> None:
    page = impact_html(report, "zh")

    mark = escape(hidden_mark(2))
    hidden = sum(len(row["suppressed"]) for t in report["tables"].values() for row in t["rows"])
    assert hidden > 0
    shown_hidden = re.findall(
        r'<td class="hidden" data-column="[^"]+" data-suppressed>(.*?)</td>', page
    )
    assert shown_hidden == [mark] * hidden
    gender = re.search(r'<section id="participants_by_gender">.*?</svg>', page)
    assert gender is not None
    assert "2026-10: " + mark in gender.group()  # the shaded month, not a point at zero


@pytest.mark.parametrize(
    ("lang", "first", "second"),
    [("zh", "累计用户（按性别分类）", "Cumulative participants by gender"),
     ("en", "Cumulative participants by gender", "累计用户（按性别分类）")],
)  # fmt: skip
def test_titles_in_both_languages_lang_first(
    report: dict[str, Any], lang: str, first: str, second: str
) -> None:
    page = impact_html(report, "zh" if lang == "zh" else "en")

    assert page.startswith(f'<!DOCTYPE html><html lang="{lang}">')
    assert f"<h2>{first} · {second}</h2>" in page
    for table in report["tables"].values():
        assert escape(table["title"]) in page and escape(table["title_zh"]) in page
