"""A real Chromium for browser tests: Debian's ``/usr/bin/chromium`` driven by Playwright.

Why Debian's build: Playwright never downloads a browser here (``playwright install`` is never
run); ``make system`` installs the Debian packages in ``packages/apt.txt``, Chromium and a CJK
font among them, and the tests launch that binary. When it or Playwright is missing the tests
skip with the reason — except under ``CI=true``, where they fail, as the PostgreSQL tests do.
Screenshots go to ``var/test-artifacts/`` (``SAXAUL_TEST_ARTIFACTS`` overrides it).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser.worlds import AppWorld, app_world, console_world
from tests.conftest import FakeClock, unavailable

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = Path(os.environ.get("SAXAUL_TEST_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(
    os.environ.get(
        "SAXAUL_TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
    )
)


def _missing() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return "Playwright is not installed (make install installs the dev dependencies)"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (make system installs Debian's chromium)"
    return None


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """One headless Chromium per test module; each test opens its own context.

    Why not one per session: Playwright's sync API keeps an asyncio event loop running on the
    main thread while it is open, and every later test that calls ``asyncio.run`` (the load
    client, group commit, the benchmarks) would fail with "cannot be called from a running
    event loop"; closed at the module's end, it leaves the thread as it found it."""
    reason = _missing()
    if reason:
        unavailable(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots are kept for a person to look at (git-ignored under ``var/``)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def app(clock: FakeClock, tmp_path: Path) -> Iterator[AppWorld]:
    """The participant app's world (``tests.browser.worlds``), served live."""
    with app_world(clock, tmp_path) as world:
        yield world


@pytest.fixture
def consoles(clock: FakeClock, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """The consoles' world (``tests.browser.worlds``), served live."""
    with console_world(clock, tmp_path) as world:
        yield world
