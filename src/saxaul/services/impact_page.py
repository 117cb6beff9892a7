"""The impact report as one HTML page with charts, Chinese and English side by side, offline.

Why drawn from the JSON document and nothing else: the page is a *view* of ``impact_report``'s
output, so it never recomputes a figure and can be checked against the ``impact.json`` written
beside it — every number on the page is printed exactly as the JSON holds it (``NUMBER_RULE``).
Why self-contained: the page is mailed and opened years later without a network, so it carries
its own style and its charts as inline SVG (``svg_chart``) and links to nothing outside itself.
A suppressed cell reads ``<k 已隐藏`` and is shaded in its chart, never drawn as zero; each chart
has a title and description for screen readers and its numbers in a table under it.

Example: ``impact_html(impact_report(rt, start, end), lang="en")`` → ``"<!DOCTYPE html>…"`` with
English labels first (``lang="zh"``: Chinese first; both are always there).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from html import escape
from typing import Any

from saxaul.services.certificate_page import Lang
from saxaul.services.svg_chart import Chart, Series, bar_chart, hbar_chart, line_chart

Table = Mapping[str, Any]

NOISE_RULE = (
    "人数均加入离散拉普拉斯噪声（总预算 ε = {epsilon}），表格由加噪后的人数汇总而成；"
    "以下各项为精确值：{exact}。",
    "every count of people carries discrete Laplace noise (budget ε = {epsilon} for the whole "
    "report) and the tables are built from the noisy counts; published exactly: {exact}.",
)
"""How a differentially private report says so at its top (its ``privacy`` note)."""

NUMBER_RULE = (
    "数字与 impact.json 完全一致，不再取整；坐标轴刻度仅为标尺。",
    "Every figure is printed exactly as impact.json holds it, with no further rounding; the "
    "charts' axis ticks are round marks of the scale, not figures.",
)

LABELS: Mapping[str, tuple[str, str]] = {
    "report": ("影响力报告", "Impact report"),
    "period": ("报告期", "Period"),
    "zone": ("时区", "Zone"),
    "k": ("最小发布单元 k", "Smallest published cell k"),
    "privacy": ("差分隐私", "Differential privacy"),
    "counted": ("统计对象", "Counted"),
    "mirrors": ("对照", "Mirrors"),
    "definition": ("定义", "Definition"),
    "units": ("单位", "Units"),
    "suppression": ("隐藏规则", "Suppression"),
    "numbers": ("数字", "Numbers"),
    "hidden": ("已隐藏", "hidden"),
    "sink": ("碳汇估算", "Estimated sink"),
    "method": ("方法", "Method"),
    "not_counted": ("未计入", "Not counted"),
    "per_capita": ("人均避免排放", "Avoided emissions per capita"),
    "more": ("其余省份见下表", "further provinces are in the table"),
    "as_of": ("截至", "As of"),
    # columns
    "month": ("月份", "month"),
    "day": ("日期", "day"),
    "female": ("女", "female"),
    "male": ("男", "male"),
    "other": ("其他", "other"),
    "unknown": ("未知", "unknown"),
    "total": ("合计", "total"),
    "under 28": ("28岁以下", "under 28"),
    "28-49": ("28–49岁", "28-49"),
    "50 and over": ("50岁及以上", "50 and over"),
    "province": ("省份", "province"),
    "participants": ("用户", "participants"),
    "bucket": ("档位", "bucket"),
    "avoided_t": ("避免排放（吨 CO2e）", "avoided (t CO2e)"),
    "per_capita_kg": ("人均（千克 CO2e）", "per capita (kg CO2e)"),
    "trees_planted": ("累计植树", "trees planted"),
    "active": ("活跃用户", "active"),
    "cohort": ("注册月份", "cohort"),
    "enrolled": ("注册人数", "enrolled"),
    "awarded_g": ("发放（克）", "awarded (g)"),
    "collected_g": ("收取（克）", "collected (g)"),
    "stolen_g": ("偷取（克）", "stolen (g)"),
    "gifted_g": ("浇水赠送（克）", "gifted (g)"),
    "expired_g": ("过期（克）", "expired (g)"),
    "status": ("状态", "status"),
    "trees": ("树木", "trees"),
    # pipeline statuses
    "waiting": ("等待项目", "waiting"),
    "owed": ("应种", "owed"),
    "ordered": ("已下单", "ordered"),
    "planted": ("已种植", "planted"),
    "alive": ("核实存活", "verified alive"),
    "lost": ("死亡", "lost"),
    "replaced": ("已补种", "replaced"),
    # units of the value axes
    "u_people": ("人", "participants"),
    "u_t": ("吨 CO2e", "t CO2e"),
    "u_kg": ("千克 CO2e / 人", "kg CO2e per participant"),
    "u_trees": ("棵", "trees"),
    "u_g": ("克", "g"),
}

NO_ICON = '<link rel="icon" href="data:,">'
"""An empty icon inside the page: without it a browser fetches ``/favicon.ico`` from the server
that sent the page (a 404 from the API), and the page is to fetch nothing."""

PROVINCES_CHARTED = 15
"""The ranked province chart shows the 15 largest and ``other``; the table lists them all."""

_STYLE = (
    "body{font-family:sans-serif;max-width:64em;margin:2em auto;padding:0 1em;color:#222;"
    "background:#fff}h1,h2{color:#1f4d21}table{border-collapse:collapse;margin:.5em 0 1.5em}"
    "td,th{border:1px solid #bbb;padding:.2em .5em;text-align:right}th{background:#f2f2f2}"
    "td:first-child,th:first-child{text-align:left}.hidden{color:#444;background:#d9d9d9}"
    ".note{color:#444;font-size:.9em}section{margin-bottom:2.5em}.wide{overflow-x:auto}"
    # a phone scrolls a chart or a table sideways rather than shrinking its text past reading
    "svg[role=img]{min-width:640px}[data-table] td,[data-table] th{white-space:nowrap}"
    ".facts td{text-align:left}"
)


def label(name: str, lang: Lang) -> str:
    """A label in both languages, ``lang`` first: ``"月份 · month"``; ``month_2`` → 第2月."""
    if name.startswith("month_") and name[6:].isdigit():
        zh, en = f"第{name[6:]}月", f"month {name[6:]}"
    else:
        zh, en = LABELS.get(name, (name, name))
    if zh == en:
        return zh
    return f"{zh} · {en}" if lang == "zh" else f"{en} · {zh}"


def number(value: Any) -> str:
    """A figure exactly as the JSON document writes it (``0.000156``, ``624``)."""
    return json.dumps(value)


def hidden_mark(k: int) -> str:
    """How a suppressed cell reads: fewer than k participants, hidden."""
    return f"<{k} 已隐藏 hidden"


def impact_html(report: Mapping[str, Any], lang: Lang = "zh") -> str:
    """The page of one impact report document."""
    tables = report["tables"]
    k = report["k"]
    parts = [
        f"<h1>{_e(label('report', lang))}</h1>",
        _facts(
            [
                (label("period", lang), f"{report['period']['from']} – {report['period']['to']}"),
                (label("zone", lang), report["period"]["zone"]),
                (label("k", lang), number(k)),
                *_privacy(report, lang),
                (label("counted", lang), report["counted"]),
                (label("mirrors", lang), report["mirrors"]),
                (label("numbers", lang), _both(NUMBER_RULE, lang)),
            ]
        ),
    ]
    for name, draw in SECTIONS.items():
        table = tables[name]
        heading = _both((table["title_zh"], table["title"]), lang)
        chart = draw(name, table, k, lang)
        parts += [
            f'<section id="{_e(name)}"><h2>{_e(heading)}</h2>',
            _about(table, lang),
            f'<div class="wide">{chart}</div>' if chart else "",
            _data_table(name, table, k, lang, SHADES.get(name)),
            "</section>",
        ]
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">{NO_ICON}'
        f"<title>{_e(label('report', lang))} {_e(report['period']['from'])} – "
        f"{_e(report['period']['to'])}</title><style>{_STYLE}</style></head><body>"
        + "".join(parts)
        + "</body></html>\n"
    )


# ------------------------------------------------------------------------------------ pieces


def _e(value: object) -> str:
    return escape("" if value is None else str(value))


def _both(pair: tuple[str, str], lang: Lang) -> str:
    zh, en = pair
    return f"{zh} · {en}" if lang == "zh" else f"{en} · {zh}"


def _privacy(report: Mapping[str, Any], lang: Lang) -> list[tuple[str, str]]:
    """The page's line on its noise, when the report is differentially private."""
    note = report.get("privacy")
    if note is None:
        return []
    said = tuple(
        rule.format(epsilon=number(note["epsilon"]), exact="; ".join(note["not_noised"]))
        for rule in NOISE_RULE
    )
    return [(label("privacy", lang), _both((said[0], said[1]), lang))]


def _facts(pairs: Sequence[tuple[str, str]]) -> str:
    """A table of named facts, each name beside its text (read left to right, not a figure)."""
    rows = "".join(f"<tr><th>{_e(a)}</th><td>{_e(b)}</td></tr>" for a, b in pairs)
    return f'<table class="facts">{rows}</table>'


def _about(table: Table, lang: Lang) -> str:
    rows = [
        (label("definition", lang), table["definition"]),
        (label("units", lang), table["units"]),
        (label("suppression", lang), table["suppression"]),
    ]
    if table.get("mirrors"):
        rows.insert(0, (label("mirrors", lang), table["mirrors"]))
    if table.get("as_of"):
        rows.append((label("as_of", lang), table["as_of"]))
    return (
        '<dl class="note">'
        + "".join(f"<dt>{_e(a)}</dt><dd>{_e(b)}</dd>" for a, b in rows)
        + "</dl>"
    )


def _shown(table: Table) -> list[str]:
    return [c for c in table["columns"] if c != "suppressed"]


def _cell(row: Mapping[str, Any], column: str, k: int, lang: Lang) -> tuple[str, bool]:
    """A cell's text, and whether it is suppressed; ``—`` for a null that is not (n/a)."""
    if column in row.get("suppressed", ()):
        return hidden_mark(k), True
    value = row.get(column)
    if value is None:
        return "—", False
    if isinstance(value, (int, float)):
        return number(value), False
    return (label(value, lang) if value in LABELS else str(value)), False


def _data_table(
    name: str,
    table: Table,
    k: int,
    lang: Lang,
    shade: Callable[[Mapping[str, Any], str], str] | None,
) -> str:
    """The table's rows; each cell also names its column and carries its JSON value
    (``data-value``, or ``data-suppressed``) so a reader or a test can check the page against
    ``impact.json`` without parsing the human-formatted text."""
    columns = _shown(table)
    head = "".join(
        f'<th scope="col" data-column="{_e(c)}">{_e(label(c, lang))}</th>' for c in columns
    )
    body = []
    for row in table["rows"]:
        cells = []
        for column in columns:
            text, hidden = _cell(row, column, k, lang)
            style = shade(row, column) if shade and not hidden else ""
            data = f'data-column="{_e(column)}" ' + (
                "data-suppressed" if hidden else f'data-value="{_e(number(row.get(column)))}"'
            )
            css = ' class="hidden"' if hidden else style
            cells.append(f"<td{css} {data}>{_e(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<div class="wide"><table data-table="{_e(name)}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _series(table: Table, column: str, lang: Lang) -> Series:
    rows = table["rows"]
    return Series(
        label(column, lang),
        [r[column] for r in rows],
        frozenset(i for i, r in enumerate(rows) if column in r["suppressed"]),
    )


def _chart(name: str, table: Table, columns: Sequence[str], unit: str, lang: Lang) -> Chart:
    key = _shown(table)[0]
    return Chart(
        f"chart-{name}",
        _both((table["title_zh"], table["title"]), lang),
        table["definition"],
        [r[key] for r in table["rows"]],
        [_series(table, c, lang) for c in columns],
        label(unit, lang),
    )


# ------------------------------------------------------------------------------------ charts


def _by_month(kind: str, unit: str) -> Callable[[str, Table, int, Lang], str]:
    """A chart of every column between the first (the month or day) and ``total``."""

    def draw(name: str, table: Table, k: int, lang: Lang) -> str:
        columns = [c for c in _shown(table)[1:] if c != "total"]
        chart = _chart(name, table, columns, unit, lang)
        if kind == "line":
            return line_chart(chart, hidden_mark(k))
        return bar_chart(chart, hidden_mark(k), stacked=kind == "stacked")

    return draw


def _provinces(name: str, table: Table, k: int, lang: Lang) -> str:
    rows = [r for r in table["rows"] if r["province"] != "total"]
    named = [r for r in rows if r["province"] != "other"][:PROVINCES_CHARTED]
    charted = named + [r for r in rows if r["province"] == "other"]
    chart = Chart(
        f"chart-{name}",
        _both((table["title_zh"], table["title"]), lang),
        table["definition"],
        [_cell(r, "province", k, lang)[0] for r in charted],
        [
            Series(
                label("participants", lang),
                [r["participants"] for r in charted],
                frozenset(i for i, r in enumerate(charted) if r["suppressed"]),
            )
        ],
        label("u_people", lang),
    )
    marks = [f"{number(r['participants'])} · {r['bucket']}" for r in charted]
    more = len(rows) - len(charted)
    note = f'<p class="note">+{more} {_e(label("more", lang))}</p>' if more > 0 else ""
    return hbar_chart(chart, hidden_mark(k), marks) + note


def _avoided(name: str, table: Table, k: int, lang: Lang) -> str:
    tonnes = bar_chart(
        _chart(name, table, ["avoided_t"], "u_t", lang), hidden_mark(k), stacked=False
    )
    per_capita = _chart(f"{name}-per-capita", table, ["per_capita_kg"], "u_kg", lang)
    per_capita = Chart(
        per_capita.id,
        label("per_capita", lang),
        per_capita.desc,
        per_capita.categories,
        per_capita.series,
        per_capita.unit,
    )
    return tonnes + line_chart(per_capita, hidden_mark(k), height=220)


def _trees(name: str, table: Table, k: int, lang: Lang) -> str:
    sink = table["sink"]
    chart = bar_chart(
        _chart(name, table, ["trees_planted"], "u_trees", lang), hidden_mark(k), stacked=False
    )
    facts = [
        (label("sink", lang), f"{sink['kg_co2']} kg CO2 ({sink['as_of']})"),
        (label("method", lang), sink["method"]),
        (label("not_counted", lang), ", ".join(sink["not_counted"]) or "—"),
    ]
    return chart + _facts(facts)


def _pipeline(name: str, table: Table, k: int, lang: Lang) -> str:
    rows = table["rows"]
    chart = Chart(
        f"chart-{name}",
        _both((table["title_zh"], table["title"]), lang),
        table["definition"],
        [label(r["status"], lang) for r in rows],
        [Series(label("trees", lang), [r["trees"] for r in rows])],
        label("u_trees", lang),
    )
    return hbar_chart(chart, hidden_mark(k), [number(r["trees"]) for r in rows])


def _retention_shade(row: Mapping[str, Any], column: str) -> str:
    """The retention table is its own chart (a heat map): a cell shaded by its cohort share."""
    value, enrolled = row.get(column), row.get("enrolled")
    if not column.startswith("month_") or value is None or not enrolled:
        return ""
    share = min(1.0, value / enrolled)
    red, green, blue = (round(255 - (255 - c) * share) for c in (0x00, 0x72, 0xB2))
    ink = "#fff" if share > 0.5 else "#222"
    return f' style="background:rgb({red},{green},{blue});color:{ink}"'


def _no_chart(name: str, table: Table, k: int, lang: Lang) -> str:
    return ""


SECTIONS: Mapping[str, Callable[[str, Table, int, Lang], str]] = {
    "participants_by_gender": _by_month("line", "u_people"),
    "participants_by_age": _by_month("grouped", "u_people"),
    "participants_by_province": _provinces,
    "avoided_emissions": _avoided,
    "trees_and_sink": _trees,
    "active_daily": _by_month("line", "u_people"),
    "active_monthly": _by_month("grouped", "u_people"),
    "retention": _no_chart,
    "energy_flows": _by_month("stacked", "u_g"),
    "trees_pipeline": _pipeline,
}
"""Each table's section, in the page's order, and its chart (the retention table is its own)."""
SHADES: Mapping[str, Callable[[Mapping[str, Any], str], str]] = {"retention": _retention_shade}
