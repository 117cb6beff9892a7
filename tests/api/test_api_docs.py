"""``/docs`` is served without a CDN, under a policy that names no other origin.

Why: the documentation page runs Swagger UI in an operator's browser; fetched from a CDN it
would be third-party code chosen at run time, on a page with no policy. Here every script,
style and icon the page names must be a path of this server that answers, and the policy may
allow nothing but this origin, ``data:``/``blob:`` images and the page's own inline script by
its hash (checked against the bytes served). Swagger UI's vendored files must be the ones
their README pins by hash. The page renders in ``tests/browser``.
"""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from saxaul.api.api_docs import inline_script_hash
from saxaul.api.app import create_app
from saxaul.api.pages import WEB

LOCAL_SOURCES = {"'self'", "'none'", "data:", "blob:"}
"""Sources allowed besides hashes: none of them names another origin."""
PINNED = re.compile(r"^\| `([^`]+)` \|.*\| `([0-9a-f]{64})` \|$", re.MULTILINE)
"""A row of ``saxaul/web/swagger-ui/README.md``'s table: a vendored file and its sha256."""


class _Page(HTMLParser):
    """The URLs a page loads (``script src``, ``link href``) and its inline scripts' text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline: list[str] = []
        self._in_script = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        url = found.get("src") if tag == "script" else found.get("href")
        if url:
            self.urls.append(url)
        self._in_script = tag == "script" and url is None

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.inline.append(data)


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app())


def _policy(client: TestClient) -> dict[str, list[str]]:
    answer = client.get("/docs")
    assert answer.status_code == 200
    directives = answer.headers["content-security-policy"].split(";")
    return {name: sources for name, *sources in (d.split() for d in directives)}


def test_docs_policy_names_no_remote_origin(client: TestClient) -> None:
    policy = _policy(client)

    for directive, sources in policy.items():
        remote = [s for s in sources if s not in LOCAL_SOURCES and not s.startswith("'sha256-")]
        assert remote == [], directive
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["default-src"] == ["'self'"]


def test_docs_scripts_and_styles_are_served_here(client: TestClient) -> None:
    answer = client.get("/docs")
    page = _Page(answer.text)

    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert len(page.urls) == 3  # Swagger UI's script, its style sheet, the icon
    for url in page.urls:
        assert url.startswith("/") and not url.startswith("//"), url
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.headers["x-content-type-options"] == "nosniff"


def test_docs_inline_script_is_allowed_by_its_hash_only(client: TestClient) -> None:
    (script,) = _Page(client.get("/docs").text).inline
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()

    assert _policy(client)["script-src"] == ["'self'", f"'sha256-{digest}'"]


@pytest.mark.parametrize("path", ["/redoc", "/docs/oauth2-redirect"])
def test_no_other_documentation_page_is_served(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("scripts", [0, 2])
def test_a_page_without_exactly_one_inline_script_is_refused(scripts: int) -> None:
    with pytest.raises(ValueError, match="one inline script"):
        inline_script_hash(b"<html>" + b"<script>go()</script>" * scripts + b"</html>")


def test_vendored_swagger_ui_is_the_files_its_readme_pins() -> None:
    folder = WEB / "swagger-ui"
    pinned = dict(PINNED.findall((folder / "README.md").read_text(encoding="utf-8")))
    served = {p.name for p in folder.iterdir() if p.name != "README.md"}

    assert set(pinned) == served
    for name, digest in pinned.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
