"""``saxaul report --from DATE --to DATE [--format json|csv|html] --out DIR``: the impact report.

Why files in a directory: the JSON is one document (``impact.json``) the HTML page
(``impact.html``, written with the JSON beside it so its numbers can be compared) draws its charts
from, and CSV is one file per table (``participants_by_gender.csv`` …) for spreadsheets; all come
from ``services.impact``, so they never disagree with ``GET /v1/operator/report``.

Example: ``saxaul report --from 2016-08-01 --to 2017-01-31 --format csv --out var/report``;
with ``--archive var/archive`` the same report from a Parquet archive (``saxaul archive export``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import Any

from rich.console import Console

from saxaul.cli.common import fail, runtime
from saxaul.domain.errors import DomainError
from saxaul.services.impact import impact_report, to_csv
from saxaul.services.impact_page import impact_html

JSON_FILE = "impact.json"
HTML_FILE = "impact.html"


class ReportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    HTML = "html"


class ImpactLang(StrEnum):
    """Which language's labels come first on the HTML page (both are always there)."""

    ZH = "zh"
    EN = "en"


def report_json(report: dict[str, object]) -> str:
    """The report as the API sends it: UTF-8 JSON, keys in the report's own order."""
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"


def write_impact(
    console: Console,
    start: dt.date,
    end: dt.date,
    fmt: ReportFormat,
    out: Path,
    lang: ImpactLang = ImpactLang.ZH,
    archive: Path | None = None,
    epsilon: float | None = None,
) -> None:
    """Compute the report once (from the store, or from a Parquet ``archive``; private with
    budget ``epsilon`` if given) and write it to ``out`` in ``fmt``."""
    try:
        report = impact_report(runtime(), start, end, archive=archive, epsilon=epsilon)
    except DomainError as exc:
        fail(exc)
    files = write_files(report, (fmt,), out, lang)
    console.print(f"impact report {start}..{end}: {len(files)} file(s) in {out}")


def write_files(
    report: dict[str, Any],
    formats: Iterable[ReportFormat],
    out: Path,
    lang: ImpactLang = ImpactLang.ZH,
) -> list[Path]:
    """Write one computed report in each of ``formats`` to ``out``; the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    for fmt in formats:
        if fmt is ReportFormat.CSV:
            files |= to_csv(report)
        else:
            files[JSON_FILE] = report_json(report)
        if fmt is ReportFormat.HTML:
            files[HTML_FILE] = impact_html(report, "en" if lang is ImpactLang.EN else "zh")
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")
    return [out / name for name in files]
