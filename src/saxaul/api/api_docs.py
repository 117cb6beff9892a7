"""The interactive API documentation, ``/docs``: Swagger UI served from this origin only.

Why not FastAPI's own ``/docs``: it loads Swagger UI's script and style from a CDN, so every
operator who opens it runs third-party code fetched at that moment, on a page with no
Content-Security-Policy. Here the page is FastAPI's own HTML (``get_swagger_ui_html``) pointed
at Swagger UI's files shipped with saxaul (``saxaul/web/swagger-ui``, served by the pages'
machinery at ``ASSETS``), under the pages' policy: scripts from this origin plus the page's one
inline script, allowed by its SHA-256 hash. The hash is taken from the exact bytes served,
when the app is built, so a change in FastAPI's HTML can never leave a stale hash in force:
a page whose inline script is not found is refused at start-up rather than served broken.

ReDoc and Swagger UI's OAuth2 redirect page are not served: the API's credentials are bearer
keys and tokens (no OAuth2 flow), and one documentation page is one page to keep strict.

Example: ``GET /docs`` → Swagger UI listing every operation of ``/openapi.json``, with
``Content-Security-Policy: default-src 'self'; script-src 'self' 'sha256-…'; …``.
"""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.requests import Request
from starlette.responses import HTMLResponse

from saxaul.api.pages import HEADERS, content_security_policy

DOCS_URL = "/docs"
ASSETS = "/docs/swagger-ui"
"""Where ``pages.PAGES`` serves ``saxaul/web/swagger-ui``."""
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def inline_script_hash(html: bytes) -> str:
    """The CSP source (``'sha256-…'``) of the one inline script in ``html``.

    Raises ``ValueError`` unless there is exactly one: a policy allowing a script the page no
    longer has, or missing one it has, would serve a page that cannot run.
    """
    scripts = _INLINE_SCRIPT.findall(html)
    if len(scripts) != 1:
        raise ValueError(f"expected one inline script in the docs page, found {len(scripts)}")
    digest = hashlib.sha256(scripts[0]).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def docs_page(openapi_url: str, title: str) -> tuple[bytes, dict[str, str]]:
    """Swagger UI's page for ``openapi_url`` with its assets from ``ASSETS``, and its headers."""
    page = get_swagger_ui_html(
        openapi_url=openapi_url,
        title=title,
        swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
        oauth2_redirect_url=None,
    )
    body = bytes(page.body)  # the exact bytes served, and hashed
    policy = content_security_policy(f"'self' {inline_script_hash(body)}")
    return body, {**HEADERS, "Content-Security-Policy": policy}


def add_docs(app: FastAPI) -> None:
    """Serve ``docs_page`` at ``DOCS_URL``; the app must be built with ``docs_url=None``."""
    assert app.openapi_url, "the docs page shows the OpenAPI document"
    body, headers = docs_page(app.openapi_url, f"{app.title} API")

    async def docs(request: Request) -> HTMLResponse:
        return HTMLResponse(body, headers=headers)

    app.add_route(DOCS_URL, docs, include_in_schema=False)
