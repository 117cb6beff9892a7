"""The participant app (``/app/``) in a real Chromium against a live server: sign in, collect,
be refused an unripe ball, put on a cover, steal, water, plant a saxaul and open its
certificate, co-plant a red willow with a friend and pool into it.

The world is ``tests.browser.worlds``'s (the ``app`` fixture): p1 signs in with a ripe metro
ball, a growing one, and 20 000 g of energy (enough for a saxaul); their friend p2 has a ripe
ball to steal from. The browser keeps its own clock
(the fake one is weeks away from it) and counts down on the server's (the forest's ``as_of``);
its zone is Asia/Shanghai, so times read as a player there would see them. Each screen is
photographed at 360 and 1280 px; nothing may log an error or fail to load but the one refusal
the test asks for. The language test switches every screen to English and back: every label
changes, no raw key shows, and both dictionaries have the same keys.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from saxaul.api.pages import WEB
from saxaul.services import participant_auth
from saxaul.services.statement_seal import verify
from tests.browser.labels import labels
from tests.browser.watching import watch
from tests.browser.worlds import FRIEND, ME, PASSWORD, ZONE, app_context

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from tests.browser.worlds import AppWorld

WIDTHS = (360, 1280)
WORDS = WEB / "app" / "i18n"
SCREENS = ("forest", "friends", f"friend/{FRIEND}", "plant", "trees", "me")


def _snap(page: Page, artifacts: Path, name: str) -> None:
    """Photograph the page at each width; it must never scroll sideways."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
        page.screenshot(path=artifacts / f"app-{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def _go(page: Page, screen: str) -> None:
    page.evaluate(f"window.location.hash = '#/{screen}'")
    page.wait_for_selector(f'[data-screen="{screen.split("/")[0]}"]')


def _notice(page: Page, kind: str) -> str:
    return page.locator(f"#notice .notice.{kind}").inner_text()


def test_a_participant_plays_a_morning_in_the_app(
    chromium: Browser, app: AppWorld, artifacts: Path
) -> None:
    refused = f"/v1/me/balls/{app.growing.id}/collect"
    context = app_context(chromium)
    try:
        page = context.new_page()
        problems = watch(page, lambda status, url: status == 409 and url.endswith(refused))
        page.goto(f"{app.base}/app/")
        page.wait_for_selector("#sign-in-form")
        assert not page.is_visible("#tabs") and not page.is_visible("#sign-out")
        _snap(page, artifacts, "sign-in")

        # sign in with the form
        page.fill("#user-id", ME)
        page.fill("#password", PASSWORD)
        page.click("#sign-in-form button[type=submit]")
        page.wait_for_selector('[data-screen="forest"]')
        _snap(page, artifacts, "forest")

        assert (
            page.evaluate("getComputedStyle(document.querySelector('.ball')).animationName")
            == "none"
        ), "balls float only for those who do not ask for reduced motion"

        # collect the ripe ball: the total changes, as the API says
        before = page.inner_text("#energy .energy-g")
        page.click(f'[data-ball="{app.ripe.id}"]')
        page.wait_for_selector("#notice .notice.ok")
        after = page.inner_text("#energy .energy-g")
        assert after != before and page.get_attribute("#energy", "aria-live") == "polite"
        page.wait_for_selector(f'[data-ball="{app.ripe.id}"]', state="detached")

        # why does the growing ball hold what it holds
        page.click(f'[data-why="{app.growing.id}"]')
        why = page.wait_for_selector("#why:not([hidden]) .why-line").inner_text()
        assert "ant-forest-2017" in why and "地铁出行" in why, why
        assert "readke" in page.inner_text("#why")
        formula = page.inner_text("#why .formula")
        assert not re.search("[A-Za-z]", formula), f"the pack's English unit shows: {formula}"
        _snap(page, artifacts, "forest-why")

        # the unripe ball: the API refuses, with its time
        page.click(f'[data-ball="{app.growing.id}"]')
        message = page.wait_for_selector("#notice .notice.error").inner_text()
        ripens = app.growing.ripens_at.astimezone(ZoneInfo(ZONE))
        assert "这个能量球将于" in message and f"{ripens:%H:%M}" in message, message
        countdown = page.inner_text(f'[data-ball="{app.growing.id}"] .countdown')
        assert re.fullmatch(r"2[34]:\d\d:\d\d 后成熟", countdown), "a day to go, by the server"

        # a protection cover: the forest then says until when
        page.click("[data-cover] >> nth=0")
        page.locator("#notice .notice.ok", has_text="保护罩有效至").wait_for()
        page.locator(".cover p", has_text="保护罩有效至").wait_for()
        assert page.locator("[data-cover]").count() == 0

        # friends: p2 has something to steal
        _go(page, "friends")
        row = page.locator(".friend-row", has_text=FRIEND)
        assert row.locator("[data-stealable]").count() == 1
        _snap(page, artifacts, "friends")
        row.locator("a").click()
        page.wait_for_selector('[data-screen="friend"]')
        _snap(page, artifacts, "friend")
        page.click(f'[data-ball="{app.friends_ball.id}"]')
        assert FRIEND in page.wait_for_selector("#notice .notice.ok").inner_text()
        page.locator("[data-water]").first.click()
        page.locator("#notice .notice.ok", has_text="浇了").wait_for()

        # plant a saxaul, then open its certificate
        _go(page, "plant")
        page.wait_for_selector('[data-plant="saxaul"]')
        _snap(page, artifacts, "plant")
        page.click('[data-plant="saxaul"]')
        planted = page.wait_for_selector("#notice .notice.ok").inner_text()
        assert "梭梭" in planted, planted

        # co-plant a red willow with p2, then pool into it from my trees
        page.select_option("#coplant-species", "red_willow")
        page.check(f'input[name="coplanter"][value="{FRIEND}"]')
        page.click("#coplant-species ~ button[type=submit]")
        page.locator("#notice .notice.ok", has_text="合种已发起").wait_for()
        _go(page, "trees")
        funding = page.locator(".tree-card", has=page.locator("form.pool"))
        pooled_before = funding.inner_text()
        funding.locator("input").fill("100")
        funding.locator("button[type=submit]").click()
        page.locator("#notice .notice.ok", has_text="投入了 100 g").wait_for()
        page.wait_for_function(
            "(before) => document.querySelector('form.pool').closest('.tree-card').innerText"
            " !== before",
            arg=pooled_before,
        )
        _snap(page, artifacts, "trees")
        with context.expect_page() as opened:
            page.click("[data-certificate]")
        certificate = opened.value
        certificate_problems = watch(certificate)
        certificate.wait_for_url(re.compile(r"^blob:"))
        certificate.wait_for_selector("h1")
        number = page.inner_text(".tree-card .cert-number")
        assert number in certificate.inner_text("body")
        assert certificate.evaluate("getComputedStyle(document.body).maxWidth") != "none"
        _snap(certificate, artifacts, "certificate")
        certificate.close()

        # my data: the ledger, my signed statement and its page
        _go(page, "me")
        assert page.locator("#view table tbody tr").count() > 0
        _snap(page, artifacts, "me")
        with page.expect_download() as download:
            page.click("#export")
        statement = verify(Path(download.value.path()).read_bytes()).statement
        assert statement["participant"]["user_id"] == ME and statement["trees"]
        with context.expect_page() as opened:
            page.click("#statement-page")
        readable = opened.value
        statement_problems = watch(readable)
        readable.wait_for_url(re.compile(r"^blob:"))
        readable.wait_for_selector("h1")
        assert ME in readable.inner_text("body")
        assert readable.evaluate("getComputedStyle(document.body).maxWidth") != "none"
        readable.close()

        # sign out, then in again through a demo sign-in link
        page.click("#sign-out")
        page.wait_for_selector("#sign-in-form")
        token = participant_auth.issue_token(app.rt, ME).token
        page.goto(f"{app.base}/app/#token={token}")
        page.wait_for_selector('[data-screen="forest"]')
        assert "token" not in page.url
        assert problems == [] and certificate_problems == [] and statement_problems == []
    finally:
        context.close()


def _switch(page: Page, lang: str) -> None:
    page.click("#lang")
    page.wait_for_selector(f"html[lang^='{lang}']", state="attached")
    page.wait_for_selector("#view .screen, #sign-in-form")


def test_every_label_changes_with_the_language_and_no_key_shows(
    chromium: Browser, app: AppWorld
) -> None:
    zh = json.loads((WORDS / "zh.json").read_text(encoding="utf-8"))
    en = json.loads((WORDS / "en.json").read_text(encoding="utf-8"))
    assert sorted(zh) == sorted(en)
    context = app_context(chromium)
    try:
        page = context.new_page()
        problems = watch(page)
        page.goto(f"{app.base}/app/")
        page.wait_for_selector("#sign-in-form")
        screens = ["sign-in"]
        for screen in screens + list(SCREENS):
            if screen != "sign-in":
                _go(page, screen)
            chinese = labels(page)
            _switch(page, "en")
            if screen != "sign-in":
                page.wait_for_selector(f'[data-screen="{screen.split("/")[0]}"]')
            english = labels(page)
            _switch(page, "zh")
            again = labels(page)

            assert chinese["labels"], screen
            assert dict(english["labels"]).keys() == dict(chinese["labels"]).keys(), screen
            for key, text in chinese["labels"]:
                assert key in zh, f"{screen}: {key} is in no dictionary"
                assert text == zh[key] and text != key, (screen, key, text)
                assert dict(english["labels"])[key] == en[key] != text, (screen, key)
            assert again["labels"] == chinese["labels"], screen
            for shown in (chinese, english):
                assert shown["untranslated"] is None, (screen, shown["untranslated"])
                assert [key for key in zh if key in shown["body"]] == [], screen
                assert not re.search(r"\b(null|undefined|NaN)\b", shown["body"]), screen
            if screen == "sign-in":
                page.goto(f"{app.base}/app/#token={participant_auth.issue_token(app.rt, ME).token}")
                page.wait_for_selector('[data-screen="forest"]')
        assert problems == []
    finally:
        context.close()
