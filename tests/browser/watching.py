"""What went wrong while a page ran: console errors, script errors, failed or refused requests.

Why a helper: every browser test fails on any of these, and a test that expects a refusal (an
unripe ball tapped) names it, so only the refusals it asked for pass.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page


def watch(
    page: Page, expected: Callable[[int, str], bool] = lambda status, url: False
) -> list[str]:
    """A list that fills with every problem of ``page`` from now on; a response (and Chromium's
    console line about it) for which ``expected(status, url)`` holds is left out."""
    problems: list[str] = []

    def console(message: object) -> None:
        if getattr(message, "type", None) != "error":
            return
        where = message.location["url"]  # type: ignore[attr-defined]
        text: str = message.text  # type: ignore[attr-defined]
        refused = text.startswith("Failed to load resource: the server responded with a status")
        if refused and any(expected(int(part), where) for part in text.split() if part.isdigit()):
            return
        problems.append(f"console: {text} {where}")

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(f"script: {error}"))
    page.on("requestfailed", lambda req: problems.append(f"failed: {req.url} {req.failure}"))
    page.on(
        "response",
        lambda answer: (
            problems.append(f"{answer.status}: {answer.url}")
            if answer.status >= 400 and not expected(answer.status, answer.url)
            else None
        ),
    )
    return problems
