"""The interactive API documentation (``/docs``) in a real Chromium: Swagger UI renders every
operation of the OpenAPI document, every request the page makes stays on the server's own
origin, and its Content-Security-Policy refuses nothing (the inline script is allowed by its
hash, Swagger UI's files come from this origin). A screenshot is kept in the artifacts folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from saxaul.api.app import create_app
from saxaul.bootstrap import bootstrap
from saxaul.config import Settings
from tests.browser.watching import watch
from tests.conftest import FakeClock
from tests.live_server import live_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
VIOLATIONS_JS = """() => {
  window.cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) =>
    window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
}"""
"""Run before the page's own scripts: collects every violation of the page's policy."""


@pytest.fixture
def base(clock: FakeClock, tmp_path: Path) -> Iterator[str]:
    """The app on an empty SQLite database, served live on 127.0.0.1."""
    rt = bootstrap(Settings(database_url=f"sqlite:///{tmp_path / 'saxaul.db'}"), clock=clock)
    try:
        with live_server(create_app(runtime=rt)) as port:
            yield f"http://127.0.0.1:{port}"
    finally:
        rt.db.dispose()


def test_docs_render_every_operation_from_this_origin_only(
    chromium: Browser, base: str, artifacts: Path
) -> None:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems = watch(page)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.add_init_script(f"({VIOLATIONS_JS})()")

    page.goto(f"{base}/docs")
    page.wait_for_selector(".opblock")
    page.wait_for_load_state("networkidle")

    document = page.request.get(f"{base}/openapi.json").json()
    operations = {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }
    shown = page.locator(".opblock-summary").evaluate_all(
        """(rows) => rows.map((row) =>
             `${row.querySelector('.opblock-summary-method').textContent} `
             + row.querySelector('.opblock-summary-path').dataset.path)"""
    )
    page.screenshot(path=str(artifacts / "api-docs.png"), full_page=False)
    assert set(shown) == operations  # an operation with two tags is listed under each
    assert [url for url in requested if not url.startswith(f"{base}/")] == []
    assert page.evaluate("window.cspViolations") == []
    assert problems == []
    context.close()
