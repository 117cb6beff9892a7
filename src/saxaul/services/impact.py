"""The impact report: the seed report's tables 2–6 and what it could not show, from the ledger.

Why one JSON document: the CLI writes it (or one CSV per table), the operator API returns it and
a later HTML page draws charts from it, so every table carries its definition, units, the
period and the privacy threshold k, and the same store gives the same bytes (no generation
time inside). Every figure comes from what happened — enrolments, demographics, awards, trees,
ledger transfers, the liability pipeline — never from a simulator's parameters. The figures are
``reports.impact``'s Polars group-bys, over the store read in chunks or over a Parquet archive
(``services.archive``); this module turns them into tables.

Example: ``impact_report(rt, dt.date(2016, 8, 1), dt.date(2017, 1, 31))["tables"]
["participants_by_gender"]["rows"][0]`` → ``{"month": "2016-08", "female": 52, "male": 46,
"other": None, "unknown": None, "total": 100, "suppressed": ["other", "unknown"]}``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from saxaul.domain import impact
from saxaul.domain.clock import to_us
from saxaul.domain.errors import InputRejected
from saxaul.reports import impact as q
from saxaul.reports.archive import ArchiveInputs
from saxaul.reports.impact import Engagement, Span
from saxaul.reports.impact_inputs import StoreInputs
from saxaul.services.impact_privacy import privacy_note, privatised
from saxaul.services.pipeline import Pipeline, liability_summary
from saxaul.services.runtime import Runtime
from saxaul.store import personal_keys_repo
from saxaul.store.uow import bulk_snapshot

FORMAT_VERSION = 1
MAX_MONTHS = 120
"""Longest period one report covers (ten years: about 3 650 daily rows)."""
FIRST_YEAR, LAST_YEAR = 1970, 9998
"""Dates outside these years are refused (the store's instants start at 1970)."""
SEED_REPORT = (
    "UNEP Inquiry, Green Digital Finance Alliance and Ant Financial (2017), Scaling Citizen "
    "Action on Climate Change, www.greendigitalfinance.org"
)
COUNTED = "participants with consent scope 'reports' who have not withdrawn"

Row = dict[str, Any]


def impact_report(
    rt: Runtime,
    start: dt.date,
    end: dt.date,
    *,
    archive: Path | None = None,
    epsilon: float | None = None,
    rng: random.Random | None = None,
) -> dict[str, Any]:
    """Every table of the impact report for the local dates ``start``..``end`` (inclusive),
    from the store read in chunks of ``rt.chunk_rows`` rows in one snapshot, or from the
    Parquet ``archive`` (``services.archive``); differentially private with budget
    ``epsilon`` (default ``rt.report_epsilon``; ``None``: exact counts), noised from ``rng``
    (``report_over``)."""
    if archive is not None:
        # the store's data keys open the archived demographics (an erased participant has none)
        with rt.db.bulk(lookups=True) as keys:
            stored = ArchiveInputs.open(archive, partial(personal_keys_repo.keys_of, keys))
            return report_over(rt, start, end, stored, stored.pipeline, epsilon=epsilon, rng=rng)
    pipeline = pipeline_snapshot(liability_summary(rt))
    # a reader's connection: a small page cache, as each page is read once (measured: 256 MiB
    # of cache for nothing otherwise, docs/benchmarks.md)
    with rt.db.bulk(lookups=True) as bulk, bulk_snapshot(bulk):
        inputs = StoreInputs(bulk, rt.chunk_rows)
        return report_over(rt, start, end, inputs, pipeline, epsilon=epsilon, rng=rng)


def report_over(
    rt: Runtime,
    start: dt.date,
    end: dt.date,
    inputs: q.Inputs,
    pipeline: dict[str, Any],
    *,
    epsilon: float | None = None,
    rng: random.Random | None = None,
) -> dict[str, Any]:
    """The report over any ``inputs`` (the store's, an archive's, a benchmark's baseline) and
    a ``pipeline_snapshot``: the period is checked before anything is read. With a budget
    (``epsilon``, else ``rt.report_epsilon``) its counts of people are noised from ``rng``
    (default: the operating system's generator, which no one can replay)."""
    zone = rt.rules.timezone
    months = _months(start, end, ZoneInfo(zone))
    days = [_days(month, ZoneInfo(zone)) for month in months]
    figures = q.impact_figures(inputs, months, days)
    budget = epsilon if epsilon is not None else rt.report_epsilon
    privacy: dict[str, Any] = {}
    if budget is not None:
        figures = privatised(figures, months, days, budget, rng or random.SystemRandom())
        privacy = {"privacy": privacy_note(len(months), sum(map(len, days)), budget)}
    k = rt.report_min_cell
    totals = _cumulative(months, [(i, n) for i, _, n in figures.enrolments["gender"]])
    engagement = figures.engagement
    return {
        "report": "saxaul impact report",
        "format_version": FORMAT_VERSION,
        "period": {"from": start.isoformat(), "to": end.isoformat(), "zone": zone},
        "k": k,
        **privacy,
        "counted": COUNTED,
        "mirrors": SEED_REPORT,
        "tables": {
            "participants_by_gender": _gender(months, figures.enrolments["gender"], k),
            "participants_by_age": _age(months, figures.enrolments["birth_year"], k),
            "participants_by_province": _province(months, figures.enrolments["province"], k),
            "avoided_emissions": _avoided(months, figures.avoided, totals, k),
            "trees_and_sink": _trees(months, figures.trees, figures.planters, pipeline, k),
            "active_daily": _daily(engagement, days, k),
            "active_monthly": _monthly(months, engagement, k),
            "retention": _retention(months, figures.cohorts, engagement, k),
            "energy_flows": _energy(months, figures.energy, engagement, k),
            "trees_pipeline": _pipeline(pipeline),
        },
    }


PIPELINE_STATUSES = ("waiting", "owed", "ordered", "planted", "alive", "lost", "replaced")


def pipeline_snapshot(pipeline: Pipeline) -> dict[str, Any]:
    """What the report shows of the liability pipeline now — trees by status and the sink —
    in the form the archive keeps (the pipeline is a present state, not a history)."""
    sink = pipeline.sink
    return {
        "trees": {status: getattr(pipeline.total, status) for status in PIPELINE_STATUSES},
        "sink": {
            "kg_co2": str(sink.kg_co2),
            "not_counted": list(sink.not_counted),
            "method": sink.method,
        },
    }


def to_csv(report: dict[str, Any]) -> dict[str, str]:
    """One CSV text per table (file name → text): its columns, suppressed names ';'-joined."""
    out = {}
    for name, table in report["tables"].items():
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=table["columns"], lineterminator="\n")
        writer.writeheader()
        for row in table["rows"]:
            cells = {**row, "suppressed": ";".join(row.get("suppressed", ()))}
            writer.writerow({c: "" if cells.get(c) is None else cells[c] for c in table["columns"]})
        out[f"{name}.csv"] = buffer.getvalue()
    return out


# ------------------------------------------------------------------------------------ period


def check_period(start: dt.date, end: dt.date) -> None:
    """Refuse a period no report can cover, before anything is computed or promised for it
    (a share link is checked when it is made, not first when it is opened)."""
    if not (FIRST_YEAR <= start.year <= LAST_YEAR and FIRST_YEAR <= end.year <= LAST_YEAR):
        raise InputRejected(
            f"dates must fall in the years {FIRST_YEAR}..{LAST_YEAR}", code="invalid_period"
        )
    if end < start:
        raise InputRejected("the period ends before it starts", code="invalid_period")
    count = (end.year - start.year) * 12 + end.month - start.month + 1
    if count > MAX_MONTHS:
        raise InputRejected(
            f"a report covers at most {MAX_MONTHS} months", code="invalid_period", months=count
        )


def _months(start: dt.date, end: dt.date, zone: ZoneInfo) -> list[Span]:
    check_period(start, end)
    spans = []
    first = start
    while first <= end:
        after = (first.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        stop = min(after, end + dt.timedelta(days=1))
        spans.append(_span(first.strftime("%Y-%m"), first, stop, zone))
        first = stop
    return spans


def _days(month: Span, zone: ZoneInfo) -> list[Span]:
    dates = (dt.date.fromordinal(d) for d in range(month.first_day, month.end_day))
    return [_span(d.isoformat(), d, d + dt.timedelta(days=1), zone) for d in dates]


def _span(label: str, first: dt.date, stop: dt.date, zone: ZoneInfo) -> Span:
    return Span(
        label,
        day_start_us(first, zone),
        day_start_us(stop, zone),
        first.toordinal(),
        stop.toordinal(),
    )


def day_start_us(day: dt.date, zone: ZoneInfo) -> int:
    """The instant a local day begins in ``zone`` (a span's bound, an archive's cutoff)."""
    return to_us(dt.datetime.combine(day, dt.time(), zone))


# ------------------------------------------------------------------------------------ tables


def _table(
    title: str,
    title_zh: str,
    mirrors: str | None,
    definition: str,
    units: str,
    suppression: str,
    columns: Sequence[str],
    rows: list[Row],
    **extra: Any,
) -> dict[str, Any]:
    return {
        "title": title,
        "title_zh": title_zh,
        "mirrors": mirrors,
        "definition": definition,
        "units": units,
        "suppression": suppression,
        "columns": [*columns, "suppressed"],
        "rows": rows,
        **extra,
    }


COMPLEMENTARY = (
    "a cell of 1..k-1 participants is null and named in 'suppressed'; when only one cell of a "
    "row would be, the smallest other non-zero cell is too, so the total does not reveal it; "
    "a total of 1..k-1 is suppressed"
)


def _cumulative(months: Sequence[Span], counts: Iterable[tuple[int, int]]) -> list[int]:
    per_month = [0] * len(months)
    for i, n in counts:
        per_month[i] += n
    running, out = 0, []
    for n in per_month:
        running += n
        out.append(running)
    return out


def _by_column(
    months: Sequence[Span],
    rows: Iterable[tuple[int, Any, int]],
    columns: Sequence[str],
    column_of: Callable[[int, Any], str],
) -> list[dict[str, int]]:
    """Cumulative participants per month and column."""
    per_month: list[dict[str, int]] = [dict.fromkeys(columns, 0) for _ in months]
    for month in range(len(months)):
        for i, value, n in rows:
            if i <= month:
                per_month[month][column_of(month, value)] += n
    return per_month


def _suppressed_rows(months: Sequence[Span], cells: list[dict[str, int]], k: int) -> list[Row]:
    out = []
    for month, row in zip(months, cells, strict=True):
        shown, hidden = impact.suppress_row(row, k)
        total = sum(row.values())
        out.append(
            {
                "month": month.label,
                **shown,
                "total": None if impact.small(total, k) else total,
                "suppressed": [*hidden, *(["total"] if impact.small(total, k) else [])],
            }
        )
    return out


def _gender(months: Sequence[Span], rows: list[tuple[int, Any, int]], k: int) -> dict[str, Any]:
    def column(_: int, gender: Any) -> str:
        return gender if gender in impact.GENDERS else impact.UNKNOWN

    cells = _by_column(months, rows, impact.GENDERS, column)
    return _table(
        "Cumulative participants by gender",
        "累计用户（按性别分类）",
        "seed report table 2",
        "participants enrolled up to each month's end (or the period's), by the gender in their "
        "demographics; 'unknown' when none was given",
        "participants",
        COMPLEMENTARY,
        ["month", *impact.GENDERS, "total"],
        _suppressed_rows(months, cells, k),
    )


def _age(months: Sequence[Span], rows: list[tuple[int, Any, int]], k: int) -> dict[str, Any]:
    labels = [band.label for band in impact.AGE_BANDS] + [impact.UNKNOWN]

    def column(month: int, birth_year: Any) -> str:
        year = int(months[month].label[:4])
        return impact.age_band(None if birth_year is None else int(birth_year), year)

    cells = _by_column(months, rows, labels, column)
    return _table(
        "Cumulative participants by age band",
        "累计用户（按年龄分类）",
        "seed report table 3",
        "participants enrolled up to each month's end, by age in that month's year (year − birth "
        "year) in the seed report's bands: under 28, 28-49, 50 and over; 'unknown' without a "
        "birth year",
        "participants",
        COMPLEMENTARY,
        ["month", *labels, "total"],
        _suppressed_rows(months, cells, k),
    )


def _province(months: Sequence[Span], rows: list[tuple[int, Any, int]], k: int) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for _, province, n in rows:
        name = province or impact.UNKNOWN
        counts[name] = counts.get(name, 0) + n
    ordered = dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
    merged = impact.merge_small(ordered, k)
    shown, hidden = impact.suppress_row(merged, k)
    table_rows: list[Row] = [
        {
            "province": name,
            "participants": count,
            "bucket": None if count is None else impact.province_bucket(count),
            "suppressed": ["participants", "bucket"] if name in hidden else [],
        }
        for name, count in shown.items()
    ]
    total = sum(counts.values())
    table_rows.append(
        {
            "province": "total",
            "participants": None if impact.small(total, k) else total,
            "bucket": None,
            "suppressed": ["participants"] if impact.small(total, k) else [],
        }
    )
    return _table(
        "Participants by province at the period's end",
        "用户（按省份分类）",
        "seed report table 4",
        "participants enrolled up to the period's end by the province in their demographics, "
        "largest first, with the seed report's bucket (<= 1, 3, 5, 10 million, > 10 million)",
        "participants",
        "provinces of 1..k-1 participants are merged into 'other'; if 'other' is still 1..k-1 "
        "it is suppressed with the smallest other province (the total is published)",
        ["province", "participants", "bucket"],
        table_rows,
        as_of=months[-1].label,
    )


def _tonnes(mg: int) -> float:
    return float(Decimal(mg) / Decimal(10**9))


def _avoided(
    months: Sequence[Span], rows: list[tuple[int, int, int]], totals: list[int], k: int
) -> dict[str, Any]:
    per_month = {i: (mg, n) for i, mg, n in rows}
    out = []
    for i, month in enumerate(months):
        mg, awarded = per_month.get(i, (0, 0))
        hide = impact.small(awarded, k) or impact.small(totals[i], k)
        per_capita = (
            float((Decimal(mg) / Decimal(10**6) / totals[i]).quantize(Decimal("0.001")))
            if totals[i]
            else None
        )
        out.append(
            {
                "month": month.label,
                "avoided_t": None if hide else _tonnes(mg),
                "participants": None if impact.small(totals[i], k) else totals[i],
                "per_capita_kg": None if hide else per_capita,
                "suppressed": ["avoided_t", "participants", "per_capita_kg"] if hide else [],
            }
        )
    return _table(
        "Avoided emissions per month",
        "已避免的碳排放量（按月份分类）",
        "seed report table 5",
        "avoided emissions of the awards of each month's days (awards.avoided_mg); per capita: "
        "that month's avoided emissions over the participants enrolled by its end",
        "avoided_t: tonnes CO2e; per_capita_kg: kg CO2e per participant",
        "a month whose awards went to 1..k-1 participants, or whose participants are 1..k-1, "
        "is suppressed",
        ["month", "avoided_t", "participants", "per_capita_kg"],
        out,
    )


def _trees(
    months: Sequence[Span],
    trees: list[tuple[int, int]],
    planters: list[tuple[int, int]],
    pipeline: dict[str, Any],
    k: int,
) -> dict[str, Any]:
    planted = _cumulative(months, trees)
    people = _cumulative(months, planters)
    rows: list[Row] = [
        {
            "month": month.label,
            "trees_planted": None if impact.small(people[i], k) else planted[i],
            "suppressed": ["trees_planted"] if impact.small(people[i], k) else [],
        }
        for i, month in enumerate(months)
    ]
    return _table(
        "Cumulative trees planted and estimated carbon sink",
        "累积植树与碳汇估算",
        "seed report table 6",
        "trees promised (planted in the game) up to each month's end; the sink is the liability "
        "pipeline's survival-based estimate now, over the trees actually planted",
        "trees; sink kg CO2",
        "a month whose trees were planted by 1..k-1 participants is suppressed",
        ["month", "trees_planted"],
        rows,
        sink={**pipeline["sink"], "as_of": "the report's snapshot"},
    )


def _daily(
    engagement: Sequence[Engagement], days: Sequence[Sequence[Span]], k: int
) -> dict[str, Any]:
    rows: list[Row] = []
    for (by_day, _, _), days_of_month in zip(engagement, days, strict=True):
        counts = dict(by_day)
        for i, day in enumerate(days_of_month):
            n = counts.get(i, 0)
            rows.append(
                {
                    "day": day.label,
                    "active": None if impact.small(n, k) else n,
                    "suppressed": ["active"] if impact.small(n, k) else [],
                }
            )
    return _table(
        "Daily active participants",
        "日活跃用户",
        None,
        "participants with a scored event (its local day) or a game move (collect, steal, "
        "water, plant, pool) on the day",
        "participants",
        "a day of 1..k-1 active participants is suppressed (no total is published)",
        ["day", "active"],
        rows,
    )


def _monthly(months: Sequence[Span], engagement: Sequence[Engagement], k: int) -> dict[str, Any]:
    rows: list[Row] = [
        {
            "month": month.label,
            "active": None if impact.small(total, k) else total,
            "suppressed": ["active"] if impact.small(total, k) else [],
        }
        for month, (_, total, _) in zip(months, engagement, strict=True)
    ]
    return _table(
        "Monthly active participants",
        "月活跃用户",
        None,
        "participants active (as in the daily table) on at least one day of the month",
        "participants",
        "a month of 1..k-1 active participants is suppressed",
        ["month", "active"],
        rows,
    )


def _retention(
    months: Sequence[Span],
    cohorts: list[tuple[int, int]],
    engagement: Sequence[Engagement],
    k: int,
) -> dict[str, Any]:
    size = dict(cohorts)
    offsets = [f"month_{n}" for n in range(len(months))]
    rows: list[Row] = []
    for c, cohort in enumerate(months):
        enrolled = size.get(c, 0)
        if enrolled == 0:
            continue
        row: Row = {"cohort": cohort.label, "enrolled": enrolled}
        hidden = []
        for n, name in enumerate(offsets):
            if c + n >= len(months):
                row[name] = None
                continue
            active = dict(engagement[c + n][2]).get(c, 0)
            if impact.small(enrolled, k) or impact.small(active, k):
                hidden.append(name)
            row[name] = None if name in hidden else active
        if impact.small(enrolled, k):
            row["enrolled"] = None
            hidden.insert(0, "enrolled")
        row["suppressed"] = hidden
        rows.append(row)
    return _table(
        "Retention by enrolment month",
        "按注册月份的留存",
        None,
        "of the participants enrolled in each month of the period, how many were active in "
        "that month (month_0) and each later month; null past the period's end",
        "participants",
        "a cohort of 1..k-1 is suppressed whole; otherwise a cell of 1..k-1 active is (cells "
        "overlap and sum to no total)",
        ["cohort", "enrolled", *offsets],
        rows,
    )


ENERGY_COLUMNS = {
    "award": "awarded_g",
    "collect": "collected_g",
    "steal": "stolen_g",
    "water": "gifted_g",
    "expire": "expired_g",
}


def _energy(
    months: Sequence[Span],
    rows: list[tuple[int, str, int]],
    engagement: Sequence[Engagement],
    k: int,
) -> dict[str, Any]:
    grams = {(i, kind): g for i, kind, g in rows}
    out: list[Row] = []
    for i, month in enumerate(months):
        hide = impact.small(engagement[i][1], k)
        cells = {
            col: None if hide else grams.get((i, kind), 0) for kind, col in ENERGY_COLUMNS.items()
        }
        out.append(
            {
                "month": month.label,
                **cells,
                "suppressed": list(ENERGY_COLUMNS.values()) if hide else [],
            }
        )
    return _table(
        "Energy collected, stolen, gifted and expired",
        "能量收取、偷取、浇水赠送与过期",
        None,
        "grams of green energy moved by ledger transfers of each kind in the month: awarded "
        "(balls minted), collected by their owner, stolen by friends, given by watering, expired",
        "grams of energy",
        "a month with 1..k-1 active participants is suppressed whole",
        ["month", *ENERGY_COLUMNS.values()],
        out,
    )


def _pipeline(pipeline: dict[str, Any]) -> dict[str, Any]:
    rows: list[Row] = [
        {"status": status, "trees": n, "suppressed": []} for status, n in pipeline["trees"].items()
    ]
    return _table(
        "Trees owed and verified",
        "应种与已核实树木",
        None,
        "every promised tree now, by the liability pipeline's status: waiting for a project, "
        "owed, ordered, planted, verified alive, lost; replaced counts trees replanted after a "
        "loss (they are in another status too)",
        "trees",
        "none: trees, not participants, are counted",
        ["status", "trees"],
        rows,
        as_of="the report's snapshot",
    )
