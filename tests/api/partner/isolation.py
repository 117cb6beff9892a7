"""The isolation contract every partner endpoint is tested against, and the cases' type.

Why a registry: "partner A cannot read or change partner B's anything" must hold for every
route under ``/v1/partner``, including routes added later. Each area lists its routes as
``IsolationCase``s in a module ``isolation_<area>.py`` beside this one (``CASES = [...]``);
``test_isolation.py`` fails when a partner route has no case, and runs every case on both
stores: partner A arranges its own resource, partner B's key (live, every scope) tries the
route on it, and the answer must be 404 (the resource is not B's to know about) — or, for a
route with no foreign resource in its path (a list, a create), a 2xx that shows nothing of A's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient

from saxaul.domain.partners import PartnerKind


@dataclass(frozen=True, slots=True)
class Caller:
    """A partner as a test calls it: its id and the headers of its live key (every scope)."""

    partner_id: str
    headers: dict[str, str]
    sandbox_headers: dict[str, str]
    client: TestClient
    operator: dict[str, str] = field(repr=False, default_factory=dict)
    """Operator headers, for arrangements only an operator may make (approvals)."""


@dataclass(frozen=True, slots=True)
class Arranged:
    """What partner A arranged: the path parameters of its resource, and strings (ids, names)
    that must never appear in an answer to partner B."""

    params: dict[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class IsolationCase:
    """One route, and how to prove partner B cannot reach partner A's resource through it.

    ``arrange(a)`` creates A's resource through the API and says where it is; ``body`` is what
    B sends (JSON), given the arranged parameters. ``foreign_path`` says whether the route's
    path names a resource (then B must get 404) or not (a list or a create: B gets its own
    answer, which must contain none of ``Arranged.secrets``).
    """

    method: str
    path: str
    kind: PartnerKind
    arrange: Callable[[Caller], Arranged]
    body: Callable[[Arranged], Any] | None = None
    foreign_path: bool = True
    content: Callable[[Arranged], tuple[bytes, str]] | None = None
    """Instead of ``body``: raw bytes and a content type (an upload)."""
