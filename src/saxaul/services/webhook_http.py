"""One webhook POST over the standard library's HTTP client: a status code or what went wrong.

Why ``urllib`` and not an HTTP client library: httpx is only a development dependency (the
tests' client), and one POST with a timeout needs nothing more. Redirects are not followed: a
receiver that answers 3xx has failed the attempt (a redirect could send a signed event
somewhere the partner never registered).

Example: ``post("https://hooks.example/saxaul", b"{…}", {"Saxaul-Signature": "t=…"}, 10.0)``
→ ``Answer(status_code=200, error=None)``; a refused connection → ``Answer(None,
"connection refused: …")``.
"""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from http.client import HTTPException
from typing import Any

MAX_READ = 64 * 1024
"""Bytes of a receiver's answer read (and discarded): enough to end the exchange cleanly."""
MAX_ERROR = 300


@dataclass(frozen=True, slots=True)
class Answer:
    """What the receiver answered: a status code, or an error if it answered nothing usable."""

    status_code: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        """Whether the receiver acknowledged the delivery (any 2xx)."""
        return self.status_code is not None and 200 <= self.status_code < 300


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects())


def post(url: str, body: bytes, headers: Mapping[str, str], timeout_s: float) -> Answer:
    """POST ``body`` to ``url``; never raises for anything the network or receiver does."""
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")
    try:
        with _opener.open(request, timeout=timeout_s) as response:
            response.read(MAX_READ)
            return Answer(int(response.status), None)
    except urllib.error.HTTPError as exc:  # a non-2xx answer, or a redirect not followed
        exc.close()
        return Answer(exc.code, None)
    except urllib.error.URLError as exc:
        return Answer(None, _describe(exc.reason, timeout_s))
    except (OSError, HTTPException) as exc:
        return Answer(None, _describe(exc, timeout_s))


def _describe(reason: object, timeout_s: float) -> str:
    if isinstance(reason, TimeoutError | socket.timeout):
        return f"no answer within {timeout_s:g} s"
    if isinstance(reason, ConnectionRefusedError):
        text = "connection refused"
    elif isinstance(reason, BaseException):
        text = f"{type(reason).__name__}: {reason}".rstrip(": ")
    else:
        text = str(reason)
    return text[:MAX_ERROR]
