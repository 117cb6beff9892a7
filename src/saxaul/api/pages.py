"""The pages people use (``saxaul/web``), served as static files beside the API.

Why static: a page holds no data and no rule; it is a shell that calls the authenticated JSON
API with the credential the person signs in with, so serving it needs no authentication and
gives nothing away. The headers keep it that way: scripts only from this origin (no inline
script a stored string could inject), no framing, no referrer carrying a path elsewhere, and
revalidation on every load so a new release is picked up at once (``ETag`` makes that cheap).
The one inline style allowed is the certificate page's, by its hash: the app fetches a tree's
certificate with the participant's token and opens it as a ``blob:`` page, which inherits this
policy.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from saxaul.services.certificate_page import STYLE_HASH

WEB = Path(str(files("saxaul") / "web"))
PAGES = {
    "/app": "app",
    "/console": "console",
    "/report": "report",
    "/common": "common",
    "/docs/swagger-ui": "swagger-ui",
}
"""URL prefix → folder of ``saxaul/web``; ``swagger-ui`` holds the assets of ``/docs``
(``api_docs``)."""


def content_security_policy(scripts: str = "'self'") -> str:
    """The pages' policy; ``scripts`` is its ``script-src`` (a page with one inline script of
    its own adds that script's hash, as ``api_docs`` does)."""
    return (
        f"default-src 'self'; script-src {scripts}; style-src 'self' '{STYLE_HASH}'; "
        "img-src 'self' data: blob:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
        "form-action 'self'"
    )


HEADERS = {
    "Content-Security-Policy": content_security_policy(),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",
}


class Pages(StaticFiles):
    """``StaticFiles`` with the pages' security and caching headers on every answer."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(HEADERS)
        return response


def mount_pages(app: FastAPI) -> None:
    """Serve each folder of ``PAGES`` at its prefix; ``/app/`` answers with ``index.html``."""
    for prefix, folder in PAGES.items():
        app.mount(prefix, Pages(directory=WEB / folder, html=True, check_dir=False), name=folder)
