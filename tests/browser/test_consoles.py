"""The operator and partner consoles in a real Chromium, over a live server and real services.

The operator pastes a key, reads the dashboard, sees a participant's plant move its numbers,
approves a pending partner and batches orders; the partner signs in through a demo link, sees
the planted tree's order, accepts it, reports planting through the form and sees the tree
planted. Every page is screenshotted at 360 and 1280 px, nothing may log an error or fail a
request, and the language switch must relabel every label with no raw key left.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from saxaul.api.pages import WEB
from saxaul.services import game_requests, partners
from saxaul.services.game_batch import play_request
from tests.browser.labels import labels
from tests.browser.test_impact_report_browser import OVERFLOW
from tests.browser.watching import watch
from tests.certificate_world import collect_all

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

WIDTHS = (360, 1280)


def _figure(page: Page, name: str) -> str:
    return page.inner_text(f'[data-figure="{name}"] .figure-value')


PAINTED = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"
"""Two frames: the page laid out again at the new width before it is measured and shot."""


def _shoot(page: Page, artifacts: Path, name: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        page.evaluate(PAINTED)
        assert page.evaluate(OVERFLOW) <= width, f"{name} scrolls sideways at {width} px"
        page.screenshot(path=artifacts / f"console-{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})


def _go(page: Page, view: str) -> None:
    page.click(f'nav a[href="#{view}"]')
    page.wait_for_selector(f'body[data-view="{view}"][data-ready]')


def test_operator_then_partner(
    chromium: Browser, consoles: dict[str, Any], artifacts: Path
) -> None:
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    problems = watch(page)
    try:
        page.goto(f"{consoles['base']}/console/")
        page.fill("#key", consoles["operator"])
        page.click("#signin-form button[type=submit]")
        page.wait_for_selector('[data-figure="participants"]')
        assert _figure(page, "participants") == "2"
        assert _figure(page, "owed") == "0"
        assert page.locator("svg.chart .mark").count() > 0
        ticks = page.eval_on_selector_all("svg.chart .tick.end", "ts => ts.map(t => t.textContent)")
        assert ticks and all(re.fullmatch(r"[\d,]+", tick) for tick in ticks), ticks
        _shoot(page, artifacts, "dashboard")

        rt = consoles["rt"]
        collect_all(rt, "u1")
        assert play_request(rt, game_requests.plant("u1", "saxaul", "p1")).tree is not None
        page.click("#refresh")
        page.wait_for_function(
            "() => document.querySelector('[data-figure=owed] .figure-value').textContent === '1'"
        )
        assert _figure(page, "players") == "1"

        for view in ("packs", "quarantine", "report"):
            _go(page, view)
            _shoot(page, artifacts, view)

        _go(page, "partners")
        _shoot(page, artifacts, "partners")
        page.click('button[data-partner="pending-ngo"]')
        page.wait_for_selector("#partners-notice .notice.ok")
        assert page.locator('[data-i18n="partners.none"]').is_visible()
        assert partners.get_partner(consoles["rt"], "pending-ngo").status == "approved"

        _go(page, "orders")
        page.click("#batch")
        page.wait_for_selector("#batch-notice .notice.ok")
        assert "1" in page.inner_text("#batch-notice")
        _shoot(page, artifacts, "orders")
        page.click("#signout")

        page.goto(f"{consoles['base']}/console/#key={consoles['partner']}")
        page.wait_for_selector('body[data-view="orders"] table a')
        assert "key=" not in page.url
        page.click("table a >> nth=0")
        page.wait_for_selector("#accept")
        page.click("#accept")
        page.wait_for_selector("#evidence-form")
        page.fill("#lat", "39.2")
        page.fill("#lon", "105.6")
        page.fill("#planted_on", "2026-11-06")  # the fake clock's day
        page.fill("#photos", "ab" * 32)
        _shoot(page, artifacts, "partner-order")
        page.click("#evidence-form button[type=submit]")
        page.wait_for_selector("#order-notice .notice.ok")
        assert page.inner_text(".tree-status").startswith("已种下")
        for view in ("projects", "webhooks", "keys"):
            _go(page, view)
            _shoot(page, artifacts, f"partner-{view}")
        page.fill("#name", "field-app")
        page.click("#key-form button[type=submit]")
        page.wait_for_selector("#key-notice .notice.ok")
        assert "sxp_test_" in page.inner_text("#key-notice")
        assert page.locator("tbody tr").count() == 3
        assert problems == []
    finally:
        context.close()


def test_an_analyst_is_offered_only_what_their_role_may_do(
    chromium: Browser, consoles: dict[str, Any], artifacts: Path
) -> None:
    """An analyst key sees the figures, the pipeline and the report, never a view or button
    the API would refuse: no request of the page fails (a 403 would)."""
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    page = context.new_page()
    problems = watch(page)
    try:
        page.goto(f"{consoles['base']}/console/#key={consoles['analyst']}")
        page.wait_for_selector('[data-figure="participants"]')
        tabs = page.eval_on_selector_all("nav a", "links => links.map(a => a.hash)")
        assert tabs == ["#dashboard", "#packs", "#orders", "#report"]
        assert page.locator('[data-i18n="dash.audit.ok"]').count() == 0
        assert "analyst" in page.inner_text("#who")
        _go(page, "orders")
        assert page.locator("#batch").count() == 0
        _shoot(page, artifacts, "analyst-orders")
        page.goto(f"{consoles['base']}/console/#partners")
        page.wait_for_selector('body[data-view="dashboard"][data-ready]')
        assert problems == []
    finally:
        context.close()


def _labels(page: Page) -> dict[str, str]:
    return dict(labels(page)["labels"])


def test_every_label_changes_with_the_language(
    chromium: Browser, consoles: dict[str, Any], artifacts: Path
) -> None:
    """Every view of the three consoles (operator, NGO, business), in Chinese, English and
    Chinese again; the business's scenarios view is shot here, as only it has one."""
    words = {
        lang: json.loads((WEB / "console" / "i18n" / f"{lang}.json").read_text("utf-8"))
        for lang in ("zh", "en")
    }
    assert sorted(words["zh"]) == sorted(words["en"])
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    problems = watch(page)
    try:
        for key in (consoles["operator"], consoles["partner"], consoles["business"]):
            page.goto(f"{consoles['base']}/console/#key={key}")
            page.wait_for_selector("body[data-ready] nav a")
            for view in page.eval_on_selector_all("nav a", "links => links.map(a => a.hash)"):
                _go(page, view.lstrip("#"))
                zh = _labels(page)
                page.click("#lang")
                page.wait_for_selector('body[data-ready="en"]')
                en = _labels(page)
                page.click("#lang")
                page.wait_for_selector('body[data-ready="zh"]')
                assert _labels(page) == zh, view
                assert zh and zh.keys() == en.keys(), view
                for label_key, text in zh.items():
                    assert text == words["zh"][label_key] != en[label_key], (view, label_key)
                if view == "#scenarios":
                    _shoot(page, artifacts, "partner-scenarios")
                assert "untranslated" not in page.evaluate(
                    "Object.keys(document.documentElement.dataset)"
                )
            page.click("#signout")
        assert problems == []
    finally:
        context.close()
