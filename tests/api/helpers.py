"""Plain helpers for the API tests: a valid event, and the problem-JSON assertion."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import Response

MAX_BYTES = 4096
"""The body limit the test app runs with, small enough to cross in a test."""
RUN_TIMES = pytest.StashKey[dict[str, float]]()
"""Seconds a long test took per store, reported in the terminal summary (``conftest.py``)."""


def ride(event_id: str, user_id: str = "p0000001", **changes: object) -> dict[str, object]:
    """One valid metro ride event, with optional changed columns."""
    event: dict[str, object] = {
        "event_id": event_id,
        "source": "transit",
        "user_id": user_id,
        "behaviour": "metro_ride",
        "occurred_at": "2026-11-02T08:15:00+08:00",
        "quantity": 1,
    }
    return event | changes


def assert_problem(response: Response, status: int, code: str) -> dict[str, Any]:
    """The response is an RFC 9457 problem with ``status`` and ``code``; returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["type"] == f"https://saxaul.dev/problems/{code}"
    assert (body["status"], body["code"]) == (status, code)
    assert body["title"] and body["detail"] and body["instance"]
    return body
