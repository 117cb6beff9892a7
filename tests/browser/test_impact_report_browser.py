"""The impact report's HTML page in a real Chromium: every chart drawn, every figure the JSON's.

The page is opened the two ways a person meets it — the file ``saxaul report --format html``
writes, and ``GET /v1/operator/report?format=html`` from the real app over HTTP with an
operator's bearer token — in both languages. In each, every chart must be a visible SVG with
drawn marks, nothing may fail to load or log an error, and every cell of every table must
read, as text and as its ``data-value``, what the JSON document beside it holds (a suppressed
cell: hidden in both). Full-page screenshots at phone (390 px) and desktop (1280 px) widths
are kept in the artifacts folder for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import httpx
import polars as pl
import pytest
from typer.testing import CliRunner

from saxaul.api.app import create_app
from saxaul.bootstrap import bootstrap
from saxaul.cli import app as cli
from saxaul.config import Settings
from saxaul.services import game_requests
from saxaul.services.api_keys import create_api_key
from saxaul.services.balls import mint_balls
from saxaul.services.game_batch import play_request
from saxaul.services.impact_page import LABELS, hidden_mark, label
from saxaul.services.participants import import_participants
from saxaul.services.runtime import Runtime
from tests.browser.watching import watch
from tests.certificate_world import collect_all
from tests.conftest import FakeClock
from tests.game_world import bus_trips, rides
from tests.integration.test_impact_page import CHARTS
from tests.integration.test_impact_report import NOV, OCT, world
from tests.live_server import live_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

K = 2
"""Small enough that the world shows figures, large enough that it shows suppressed cells."""
WIDTHS = {"phone": 390, "desktop": 1280}
PLANTERS = ("a2", "a3")
MORE = [f"b{n}" for n in range(1, 9)]
RIDE_DAYS = (dt.date(2026, 10, 12), dt.date(2026, 10, 13), dt.date(2026, 11, 5))


class Opened(NamedTuple):
    """Where the page is, the headers that fetch it, and the JSON document it must agree with."""

    url: str
    headers: dict[str, str]
    report: dict[str, Any]


def busy_world(rt: Runtime, tmp_path: Path, clock: FakeClock) -> None:
    """The impact tests' world, with eight more participants who ride in both months and two
    who plant a saxaul in November, so that at k = 2 every chart has published figures to draw
    beside the world's suppressed cells."""
    world(rt, tmp_path, clock)
    people = tmp_path / "more-people.csv"
    pl.DataFrame(
        {
            "user_id": MORE,
            "enrolled_at": ["2026-10-08T09:00:00+08:00"] * len(MORE),
            "consent": ["true"] * len(MORE),
            "gender": ["female", "male"] * (len(MORE) // 2),
            "birth_year": [1999, 2001, 1985, 1980, 1995, 1975, 1960, 1965],
            "province": ["Guangdong", "Zhejiang", "Guangdong", "Zhejiang", "Jiangsu", "Jiangsu",
                         "Beijing", "Shanghai"],
        }
    ).write_csv(people)  # fmt: skip
    import_participants(rt, people)
    for user in MORE:
        for day in RIDE_DAYS:
            rides(rt, user, 2, day)
    for user in PLANTERS:
        bus_trips(rt, user, 250, dt.date(2026, 11, 6))
    mint_balls(rt)
    clock.advance(hours=30)  # 11-08 03:00 local: the bus balls are ripe
    for user in PLANTERS:
        collect_all(rt, user)
        answer = play_request(rt, game_requests.plant(user, "saxaul", f"plant-{user}"))
        assert answer.tree is not None, answer


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path / 'saxaul.db'}", report_min_cell=K)


@pytest.fixture
def rt(settings: Settings, clock: FakeClock, tmp_path: Path) -> Iterator[Runtime]:
    runtime = bootstrap(settings, clock=clock)
    busy_world(runtime, tmp_path, clock)
    yield runtime
    runtime.db.dispose()


PERIOD = ["--from", OCT.isoformat(), "--to", NOV.isoformat()]
QUERY = f"from={OCT.isoformat()}&to={NOV.isoformat()}"


@pytest.fixture(params=["file", "http", "link"])
def source(
    request: pytest.FixtureRequest,
    rt: Runtime,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[[str], Opened]]:
    """How to open the page in a language: the CLI's file, the live app over HTTP with the
    operator's key, or a share link with no key at all."""
    if request.param == "file":
        monkeypatch.setenv("SAXAUL_DATABASE_URL", settings.database_url)
        monkeypatch.setenv("SAXAUL_REPORT_MIN_CELL", str(K))

        def written(lang: str) -> Opened:
            out = tmp_path / f"report-{lang}"
            args = ["report", *PERIOD, "--format", "html", "--lang", lang, "--out", str(out)]
            done = CliRunner().invoke(cli, args)
            assert done.exit_code == 0, done.output
            report = json.loads((out / "impact.json").read_text(encoding="utf-8"))
            return Opened((out / "impact.html").as_uri(), {}, report)

        yield written
        return
    headers = {"Authorization": f"Bearer {create_api_key(rt, 'browser-test')}"}
    with live_server(create_app(settings, runtime=rt)) as port:
        base = f"http://127.0.0.1:{port}/v1/operator/report?{QUERY}"

        def served(lang: str) -> Opened:
            answer = httpx.get(base, headers=headers, timeout=30)
            assert answer.status_code == 200, answer.text
            if request.param == "http":
                return Opened(f"{base}&format=html&lang={lang}", headers, answer.json())
            period = {"from": OCT.isoformat(), "to": NOV.isoformat(), "lang": lang}
            link = httpx.post(
                f"{base.split('/v1/')[0]}/v1/operator/report/links",
                json=period,
                headers=headers,
                timeout=30,
            )
            assert link.status_code == 201, link.text
            return Opened(link.json()["url"], {}, answer.json())

        yield served


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_report_opens_with_every_chart_drawn_and_the_json_figures(
    chromium: Browser,
    source: Callable[[str], Opened],
    artifacts: Path,
    lang: str,
    request: pytest.FixtureRequest,
) -> None:
    opened = source(lang)
    name = request.node.callspec.id.replace("-", "_")
    context = chromium.new_context(
        viewport={"width": WIDTHS["desktop"], "height": 900},
        extra_http_headers=opened.headers,
    )
    try:
        page = context.new_page()
        problems = watch(page)
        response = page.goto(opened.url, wait_until="load")
        if "#" in opened.url:  # a share link's page posts its token and the report arrives
            page.wait_for_url("**/v1/reports/shared", wait_until="load")
            assert opened.url.partition("#")[2] not in page.url

        assert response is not None and response.ok, response and response.status
        assert page.evaluate("document.documentElement.lang") == lang
        _assert_charts_drawn(page)
        _assert_tables_are_the_json(page, opened.report, lang)
        for width, pixels in WIDTHS.items():
            page.set_viewport_size({"width": pixels, "height": 900})
            _assert_charts_drawn(page)
            assert page.evaluate(OVERFLOW) <= pixels, f"the page scrolls sideways at {pixels} px"
            page.screenshot(path=artifacts / f"impact-{name}-{width}.png", full_page=True)
        assert problems == []
    finally:
        context.close()


# ------------------------------------------------------------------------------------ helpers


OVERFLOW = "document.documentElement.scrollWidth"

CHARTS_JS = """() => {
  const drawn = (e) => { const b = e.getBoundingClientRect(); return b.width > 0 || b.height > 0; };
  return {
    charts: [...document.querySelectorAll('svg[role="img"]')].map((svg) => {
      const box = svg.getBoundingClientRect();
      const style = getComputedStyle(svg);
      return {
        id: svg.getAttribute('aria-labelledby'),
        width: box.width, height: box.height,
        shown: style.visibility !== 'hidden' && style.display !== 'none',
        title: svg.querySelector('title').textContent,
        marks: [...svg.querySelectorAll('.mark')].filter(drawn).length,
      };
    }),
    images: [...document.images].map((img) => [img.src, img.complete && img.naturalWidth > 0]),
  };
}"""


def _assert_charts_drawn(page: Page) -> None:
    """Each chart is a visible SVG of non-zero size with at least one drawn mark; any image
    loaded."""
    found = page.evaluate(CHARTS_JS)

    assert len(found["charts"]) == CHARTS
    for chart in found["charts"]:
        assert chart["shown"] and chart["width"] > 0 and chart["height"] > 0, chart
        assert chart["title"], chart
        assert chart["marks"] > 0, f"{chart['id']} drew no bar, line or point"
    assert all(ok for _, ok in found["images"]), found["images"]


TABLES_JS = """() => Object.fromEntries([...document.querySelectorAll('table[data-table]')].map(
  (table) => [table.dataset.table, {
    columns: [...table.querySelectorAll('thead th')].map((th) => th.dataset.column),
    rows: [...table.querySelectorAll('tbody tr')].map((tr) => [...tr.cells].map((td) => ({
      column: td.dataset.column,
      value: td.dataset.value ?? null,
      suppressed: td.hasAttribute('data-suppressed'),
      shaded: td.classList.contains('hidden'),
      text: td.innerText,
    }))),
  }]))"""


def _assert_tables_are_the_json(page: Page, report: dict[str, Any], lang: str) -> None:
    """Every cell of every JSON table, read back from the rendered page: its visible text
    parsed, and its ``data-value``, equal the JSON's value; a suppressed one reads hidden."""
    rendered = page.evaluate(TABLES_JS)
    k = report["k"]

    assert sorted(rendered) == sorted(report["tables"])
    published = 0
    for name, table in report["tables"].items():
        columns = [c for c in table["columns"] if c != "suppressed"]
        assert rendered[name]["columns"] == columns, name
        assert len(rendered[name]["rows"]) == len(table["rows"]), name
        for row, cells in zip(table["rows"], rendered[name]["rows"], strict=True):
            assert [cell["column"] for cell in cells] == columns, name
            for column, cell in zip(columns, cells, strict=True):
                where = (name, row[columns[0]], column)
                if column in row["suppressed"]:
                    assert cell["suppressed"] and cell["shaded"], where
                    assert cell["value"] is None and cell["text"] == hidden_mark(k), where
                    continue
                value = row.get(column)
                assert json.loads(cell["value"]) == value, where
                assert _read(cell["text"], value, lang) == value, (where, cell["text"])
                published += isinstance(value, (int, float))
    assert published > 0
    sink = report["tables"]["trees_and_sink"]["sink"]["kg_co2"]
    assert f"{sink} kg CO2" in page.inner_text("#trees_and_sink")


def _read(text: str, expected: Any, lang: str) -> Any:
    """A cell's visible text parsed back: a figure as JSON, ``—`` as null, a word as the value
    whose label it is."""
    if text == "—":
        return None
    if isinstance(expected, (int, float)):
        return json.loads(text)
    words = {label(word, lang): word for word in LABELS}
    return words.get(text, text)
