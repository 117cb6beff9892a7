"""Accessible basics of the participant app and the consoles, proven in a real Chromium.

Keyboard only: the app signs in with its form, collects a ripe ball and switches language with
Tab, typing and Enter; the console signs in with a pasted key and moves between views. Every
element Tab lands on must show its focus (an outline or a box shadow). Then every screen of the
app (in both languages) and of the operator, NGO and business consoles is audited at 360 px:
each control has an accessible name, each visible text meets WCAG AA contrast against what is
behind it, and the page does not scroll sideways (a chart or table scrolls inside its own box).
The worlds are ``tests.browser.worlds``'s, as the app's and the consoles' own tests use.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from saxaul.api.pages import WEB
from saxaul.services import game_requests, orders, participant_auth, partners
from saxaul.services.game_batch import play_request
from tests.browser.watching import watch
from tests.browser.worlds import FRIEND, ME, PASSWORD, app_context
from tests.certificate_world import collect_all

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from tests.browser.worlds import AppWorld

WORDS = WEB / "app" / "i18n"
PHONE = {"width": 360, "height": 800}
APP_SCREENS = ("forest", "friends", f"friend/{FRIEND}", "plant", "trees", "me")

FOCUS_JS = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const s = getComputedStyle(e);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
  return {what: e.outerHTML.slice(0, 100), shown: outline || s.boxShadow !== 'none'};
}"""

NAMES_JS = """() => {
  const words = (text) => (text ?? '').replace(/\\s+/g, ' ').trim();
  const name = (e) => words(e.getAttribute('aria-label'))
    || words((e.getAttribute('aria-labelledby') ?? '').split(/\\s+/).filter(Boolean)
        .map((id) => document.getElementById(id)?.textContent).join(' '))
    || words([...(e.labels ?? [])].map((l) => l.textContent).join(' '))
    || (e.tagName === 'BUTTON' ? words(e.textContent) : '')
    || words(e.getAttribute('title'));
  return [...document.querySelectorAll('input, select, textarea, button')]
    .filter((e) => e.type !== 'hidden' && e.getClientRects().length > 0 && !name(e))
    .map((e) => e.outerHTML.slice(0, 120));
}"""

CONTRAST_JS = """() => {
  const parse = (text) => {
    const m = /rgba?\\(([^)]+)\\)/.exec(text);
    if (!m) return null;
    const [r, g, b, a = 1] = m[1].split(/[\\s,/]+/).filter(Boolean).map(Number);
    return {r, g, b, a};
  };
  const over = (top, under) => ({
    r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a),
    b: top.b * top.a + under.b * (1 - top.a), a: 1,
  });
  const luminance = ({r, g, b}) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  // what is behind an element: its and its ancestors' backgrounds, up to the first opaque one
  const behind = (e) => {
    const layers = [];
    for (let n = e; n; n = n.parentElement) {
      const c = parse(getComputedStyle(n).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    const paper = {r: 255, g: 255, b: 255, a: 1};
    return layers.reverse().reduce((under, top) => over(top, under), paper);
  };
  const texts = [...document.querySelectorAll('body *')].filter((e) =>
    !['SCRIPT', 'STYLE', 'TEMPLATE', 'OPTION', 'title'].includes(e.tagName)
    && [...e.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim())
    && e.getClientRects().length > 0 && getComputedStyle(e).visibility === 'visible'
    && !e.closest(':disabled'));
  return texts.flatMap((e) => {
    const s = getComputedStyle(e);
    const ink = parse(e instanceof SVGElement ? s.fill : s.color);
    if (!ink) return [`${e.tagName}: no colour (${s.color})`];
    const back = behind(e);
    const [a, b] = [luminance(over(ink, back)), luminance(back)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    const size = parseFloat(s.fontSize);
    const large = size >= 24 || (Number(s.fontWeight) >= 700 && size >= 18.66);
    const need = large ? 3 : 4.5;
    return ratio >= need ? [] : [
      `${e.tagName}.${e.getAttribute('class') ?? ''} "${e.textContent.trim().slice(0, 30)}": ` +
      `${s.color} on rgb(${back.r}, ${back.g}, ${back.b}) is ${ratio.toFixed(2)} < ${need}`,
    ];
  });
}"""

OVERFLOW_JS = "() => [document.scrollingElement.scrollWidth, window.innerWidth]"
PAINTED = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"


def _focus_shown(page: Page) -> None:
    focused = page.evaluate(FOCUS_JS)
    assert focused is None or focused["shown"], f"focus is invisible on {focused['what']}"


def _tab_to(page: Page, selector: str, key: str = "Tab", limit: int = 60) -> None:
    """Press ``key`` until ``selector`` has the focus, each stop showing its focus."""
    is_there = "(s) => document.activeElement?.matches(s) ?? false"
    for _ in range(limit):
        if page.evaluate(is_there, selector):
            return
        page.keyboard.press(key)
        _focus_shown(page)
    raise AssertionError(f"{selector} is not reachable with {key}")


def _audit(page: Page, screen: str) -> None:
    """At phone width: every control named, every text legible, no sideways scroll."""
    page.set_viewport_size(PHONE)
    page.evaluate(PAINTED)
    assert page.evaluate(NAMES_JS) == [], f"{screen}: controls without a name"
    assert page.evaluate(CONTRAST_JS) == [], f"{screen}: text below AA contrast"
    wide, window = page.evaluate(OVERFLOW_JS)
    assert wide <= window, f"{screen} scrolls sideways at 360 px ({wide} > {window})"


# ------------------------------------------------------------------------------ the app


def test_the_app_by_keyboard_alone(chromium: Browser, app: AppWorld) -> None:
    zh, en = (
        json.loads((WEB / "app" / "i18n" / f"{lang}.json").read_text()) for lang in ("zh", "en")
    )
    context = app_context(chromium)
    try:
        page = context.new_page()
        problems = watch(page)
        page.goto(f"{app.base}/app/")
        page.wait_for_selector("#sign-in-form")
        _tab_to(page, "#user-id")
        page.keyboard.type(ME)
        page.keyboard.press("Tab")
        _focus_shown(page)
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_selector('[data-screen="forest"]')

        before = page.inner_text("#energy .energy-g")
        _tab_to(page, f'[data-ball="{app.ripe.id}"]')
        page.keyboard.press("Enter")
        page.wait_for_selector("#notice .notice.ok")
        assert page.inner_text("#energy .energy-g") != before

        _tab_to(page, "#lang", key="Shift+Tab")
        page.keyboard.press("Enter")
        page.wait_for_selector("html[lang^='en']", state="attached")
        page.wait_for_selector('[data-screen="forest"]')
        assert page.inner_text('#tabs a[data-route="forest"]') == en["tab.forest"]
        _tab_to(page, '#tabs a[data-route="friends"]')
        page.keyboard.press("Enter")
        page.wait_for_selector('[data-screen="friends"]')
        _tab_to(page, "#lang", key="Shift+Tab")
        page.keyboard.press("Enter")
        page.wait_for_selector("html[lang^='zh']", state="attached")
        page.wait_for_selector('[data-screen="friends"]')
        assert page.inner_text('#tabs a[data-route="friends"]') == zh["tab.friends"]
        assert problems == []
    finally:
        context.close()


def test_every_app_screen_is_named_legible_and_fits_a_phone(
    chromium: Browser, app: AppWorld
) -> None:
    """Both languages, with a planted tree and a funding co-planting on *my trees*, the why
    panel and a refusal on *my forest*."""
    assert play_request(app.rt, game_requests.plant(ME, "saxaul", "a11y-plant")).tree

    assert play_request(app.rt, game_requests.co_plant(ME, "red_willow", [FRIEND], "a11y-co")).tree
    refused = f"/v1/me/balls/{app.growing.id}/collect"
    context = app_context(chromium)
    try:
        page = context.new_page()
        problems = watch(page, lambda status, url: status == 409 and url.endswith(refused))
        page.goto(f"{app.base}/app/")
        page.wait_for_selector("#sign-in-form")
        _audit(page, "sign-in")
        page.goto(f"{app.base}/app/#token={participant_auth.issue_token(app.rt, ME).token}")
        for lang in ("zh", "en"):
            if lang == "en":
                page.click("#lang")
                page.wait_for_selector("html[lang^='en']", state="attached")
            for screen in APP_SCREENS:
                page.evaluate(f"window.location.hash = '#/{screen}'")
                page.wait_for_selector(f'[data-screen="{screen.split("/")[0]}"]')
                _audit(page, f"{screen} ({lang})")
            page.evaluate("window.location.hash = '#/forest'")
            page.click(f'[data-why="{app.growing.id}"]')
            page.wait_for_selector("#why:not([hidden]) .why-line")
            page.click(f'[data-ball="{app.growing.id}"]')
            page.wait_for_selector("#notice .notice.error")
            _audit(page, f"forest, why and a refusal ({lang})")
        assert problems == []
    finally:
        context.close()


# ------------------------------------------------------------------------- the consoles


def test_the_console_by_keyboard_alone(chromium: Browser, consoles: dict[str, Any]) -> None:
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=consoles["base"])
    try:
        page = context.new_page()
        problems = watch(page)
        page.goto(f"{consoles['base']}/console/")
        page.wait_for_selector("#signin-form")
        page.evaluate("(key) => navigator.clipboard.writeText(key)", consoles["operator"])
        _tab_to(page, "#key")
        page.keyboard.press("ControlOrMeta+V")
        page.keyboard.press("Enter")
        page.wait_for_selector('body[data-ready][data-view="dashboard"]')
        for view in ("packs", "partners"):
            _tab_to(page, f'nav a[href="#{view}"]')
            page.keyboard.press("Enter")
            page.wait_for_selector(f'body[data-ready][data-view="{view}"]')
        _tab_to(page, "#lang", key="Shift+Tab")
        page.keyboard.press("Enter")
        page.wait_for_selector('body[data-ready="en"][data-view="partners"]')
        assert problems == []
    finally:
        context.close()


def test_every_console_view_is_named_legible_and_fits_a_phone(
    chromium: Browser, consoles: dict[str, Any]
) -> None:
    """The sign-in, every view of the operator, NGO and business consoles, and an accepted
    order with its evidence form."""
    rt = consoles["rt"]
    collect_all(rt, "u1")
    assert play_request(rt, game_requests.plant("u1", "saxaul", "a11y-plant")).tree
    assert orders.create_orders(rt).orders == 1
    ngo = partners.authenticate_partner(rt, consoles["partner"])
    ((order,), _) = orders.list_orders(rt, ngo, status=None, limit=1, after_id="")
    orders.accept(rt, ngo, order.id)
    context = chromium.new_context(viewport=PHONE, locale="zh-CN")
    try:
        page = context.new_page()
        problems = watch(page)
        page.goto(f"{consoles['base']}/console/")
        page.wait_for_selector("#signin-form")
        _audit(page, "sign-in")
        for who in ("operator", "partner", "business"):
            page.goto(f"{consoles['base']}/console/#key={consoles[who]}")
            page.wait_for_selector("body[data-ready] nav a")
            for view in page.eval_on_selector_all("nav a", "links => links.map(a => a.hash)"):
                page.click(f'nav a[href="{view}"]')
                page.wait_for_selector(f'body[data-view="{view[1:]}"][data-ready]')
                _audit(page, f"{who} {view}")
            if who == "partner":
                page.click('nav a[href="#orders"]')
                page.wait_for_selector('body[data-view="orders"][data-ready] table a')
                page.click("table a >> nth=0")
                page.wait_for_selector("#evidence-form")
                _audit(page, "partner order")
            page.click("#signout")
        assert problems == []
    finally:
        context.close()
