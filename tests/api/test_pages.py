"""The pages (``saxaul/web``) are static shells served with headers that keep them inert.

Why these tests: a page is served without authentication, so it must hold nothing but files
meant for every visitor, never let a path climb out of its folder, and carry the headers that
stop injected script, framing and referrer leaks. What a page shows comes from the API, whose
own routes are classified and refused in ``test_auth``.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from saxaul.api.app import create_app
from saxaul.api.pages import HEADERS, PAGES, WEB

STATIC = {".html", ".js", ".css", ".json", ".svg", ".png", ".md", ".txt"}


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app())


def test_page_folders_hold_only_static_files() -> None:
    found = [path for path in WEB.rglob("*") if path.is_file()]

    assert found, "the pages are packaged with saxaul"
    assert [p for p in found if p.suffix not in STATIC] == []


def test_shared_script_is_served_with_the_pages_headers(client: TestClient) -> None:
    answer = client.get("/common/api.js")

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/javascript")
    for name, value in HEADERS.items():
        assert answer.headers[name] == value
    assert "script-src 'self'" in answer.headers["content-security-policy"]


@pytest.mark.parametrize("prefix", sorted(PAGES))
def test_a_path_out_of_a_page_folder_is_not_found(client: TestClient, prefix: str) -> None:
    for path in ("/../config.py", "/..%2f..%2fconfig.py", "/%2e%2e/%2e%2e/bootstrap.py"):
        answer = client.get(prefix + path)

        assert answer.status_code == 404, path
        assert b"Settings" not in answer.content
