"""Partner A's resources are invisible and untouchable to partner B, on every partner route."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from saxaul.api.app import create_app
from saxaul.config import Settings
from saxaul.domain.partners import PartnerKind
from saxaul.services.runtime import Runtime

from ..conftest import BOTH_STORES
from .conftest import make_partner
from .isolation import IsolationCase

PARTNER_PREFIX = "/v1/partner/"


def _cases() -> list[IsolationCase]:
    cases: list[IsolationCase] = []
    here = Path(__file__).parent
    for module in pkgutil.iter_modules([str(here)]):
        if module.name.startswith("isolation_"):
            loaded = importlib.import_module(f"{__package__}.{module.name}")
            cases.extend(loaded.CASES)
    return cases


CASES = _cases()


def _partner_routes() -> set[tuple[str, str]]:
    app = create_app(Settings(database_url="sqlite://"))
    return {
        (method, path)
        for route in iter_route_contexts(app.routes)  # included routers, flattened
        if (path := route.path or "").startswith(PARTNER_PREFIX)
        or path == PARTNER_PREFIX.rstrip("/")
        for method in route.methods or ()
    }


def test_every_partner_route_has_an_isolation_case() -> None:
    covered = {(case.method, case.path) for case in CASES}
    assert _partner_routes() - covered == set(), "add an IsolationCase for these routes"


def test_no_case_names_a_route_that_does_not_exist() -> None:
    covered = {(case.method, case.path) for case in CASES}
    assert covered - _partner_routes() == set()


@BOTH_STORES
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.path}")
def test_partner_b_cannot_reach_partner_a(
    case: IsolationCase, rt: Runtime, client: TestClient, auth: dict[str, str]
) -> None:
    kind = case.kind.value
    a = make_partner(rt, client, auth, f"{kind}-a", case.kind)
    b = make_partner(rt, client, auth, f"{kind}-b", case.kind)
    arranged = case.arrange(a)
    path = case.path.format(**arranged.params)
    kwargs: dict[str, object] = {"headers": b.headers}
    if case.body is not None:
        kwargs["json"] = case.body(arranged)
    if case.content is not None:
        data, media_type = case.content(arranged)
        kwargs["content"] = data
        kwargs["headers"] = b.headers | {"Content-Type": media_type}
    response = client.request(case.method, path, **kwargs)  # type: ignore[arg-type]
    if case.foreign_path:
        assert response.status_code == 404, response.text
    else:
        assert response.status_code < 300, response.text
    for secret in arranged.secrets:
        assert secret not in response.text
    assert case.kind in PartnerKind
