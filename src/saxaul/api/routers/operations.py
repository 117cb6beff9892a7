"""What an operator's tooling polls: liveness (open) and Prometheus metrics (keyed).

Why ``/healthz`` is open but says nothing else: a load balancer probes it without credentials,
so it must not reveal data or even whether the database has any.
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from saxaul.api.deps import EventCountersDep, require_operator
from saxaul.api.problems import problem_responses
from saxaul.api.rate_limits import PUBLIC_LIMIT
from saxaul.api.schemas.operations import Health
from saxaul.domain.operators import Permission

health = APIRouter(tags=["operations"], dependencies=[PUBLIC_LIMIT])
metrics = APIRouter(tags=["operations"])


@health.get("/healthz", summary="Liveness probe", response_model=Health)
def get_healthz() -> Health:
    """`{"status": "ok"}` while the process answers; no credentials, no data."""
    return Health(status="ok")


@metrics.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    dependencies=[require_operator(Permission.METRICS_READ)],
    responses={
        200: {"description": "Prometheus text exposition format.", "content": {"text/plain": {}}},
        **problem_responses("unauthorised"),
    },
)
def get_metrics(counters: EventCountersDep) -> Response:
    """This app's counters (events accepted, duplicate, rejected) in Prometheus text format."""
    return Response(generate_latest(counters.registry), media_type=CONTENT_TYPE_LATEST)
