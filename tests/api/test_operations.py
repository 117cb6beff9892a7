"""The wiring: the lifespan builds the runtime; ``/metrics`` is keyed and per app."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from saxaul.api.app import create_app
from saxaul.config import Settings
from saxaul.services.api_keys import create_api_key
from saxaul.services.runtime import Runtime

from .helpers import assert_problem, ride


def test_metrics_refuse_anonymous(client: TestClient) -> None:
    assert_problem(client.get("/metrics"), 401, "unauthorised")


def test_metrics_are_prometheus_text(client: TestClient, auth: dict[str, str]) -> None:
    response = client.get("/metrics", headers=auth)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "# TYPE saxaul_events_accepted_total counter" in response.text
    assert "saxaul_events_accepted_total 0.0" in response.text


def test_each_app_counts_only_its_own_requests(
    client: TestClient, auth: dict[str, str], rt: Runtime
) -> None:
    client.post("/v1/events", json=[ride("m1")], headers=auth)

    with TestClient(create_app(runtime=rt)) as other:
        text = other.get("/metrics", headers=auth).text

    assert "saxaul_events_accepted_total 0.0" in text


def test_the_lifespan_builds_the_runtime_from_settings(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/own.db"))
    assert not hasattr(app.state, "runtime")  # nothing is built before the app starts

    with TestClient(app) as client:
        key = create_api_key(app.state.runtime, "operator")
        response = client.get("/v1/summary", headers={"Authorization": f"Bearer {key}"})

    assert response.status_code == 200
    assert (tmp_path / "own.db").exists()
