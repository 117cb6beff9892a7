"""The HTTP application: ``create_app(settings)`` wires routers, problems and metrics.

Nothing happens at import. The runtime (engine, migrations, packs) is built in the lifespan by
``bootstrap(settings)``, or passed in ready-made (tests pass one on a temporary SQLite file with
a fake clock), so importing this module never touches a database.

Example: ``uvicorn saxaul.api.app:create_app --factory`` serves with ``SAXAUL_*`` settings;
``TestClient(create_app(runtime=rt))`` serves a test's runtime.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp

from saxaul import __version__
from saxaul.api.answer_headers import SecurityHeaders
from saxaul.api.api_docs import add_docs
from saxaul.api.deps import document_permissions
from saxaul.api.guard import RequestGuard
from saxaul.api.links import apply_links
from saxaul.api.metrics import EventCounters, MoveBatches, StreamConsumption, WebhookDeliveries
from saxaul.api.pages import mount_pages
from saxaul.api.problems import Problem, install_problem_handlers, problem_responses
from saxaul.api.rate_limits import RateLimits
from saxaul.api.routers import (
    abuse,
    auth,
    certificates,
    erasure,
    events,
    friends,
    game,
    game_jobs,
    impact,
    methodology,
    operations,
    operator,
    orders,
    participants,
    partners,
    pipeline,
    projects,
    quarantine,
    reporting,
    reversals,
    scenarios,
    statements,
    webhooks,
)
from saxaul.api.schemas.game import rules_keywords
from saxaul.bootstrap import bootstrap, energy_rules, stream_limits
from saxaul.config import Settings
from saxaul.domain.game_rules import EnergyRules
from saxaul.jobs import Repeating, Scheduler, SourceOpener, StreamConsumer, WebhookDispatcher
from saxaul.services.group_commit import BatchStats
from saxaul.services.runtime import Runtime
from saxaul.services.stream_ingest import StreamStats
from saxaul.services.webhooks import DeliveryStats

DESCRIPTION = """\
Personal carbon accounts in the style of Ant Forest: import behaviour events, score them under
versioned methodology packs, and read what was credited.

Two kinds of caller. Operator endpoints need an operator API key, sent as `Authorization:
Bearer sxk_…`; create one with `saxaul apikey create NAME --role ROLE`. Each key has a role
(admin, operations, analyst, support) and each operator endpoint says which permission it needs;
a key whose role lacks it is refused 403 `forbidden_role`. Participant endpoints (`/v1/me…`,
`/v1/friends…`, `/v1/trees…`, `/v1/species`, `/v1/auth/logout`) need a participant token, sent
as `Authorization: Bearer sxs_…`: a participant gets one from `POST /v1/auth/login` with the
password set by `saxaul participants set-password`, or an app backend that signs people in
itself gets one for them from `POST /v1/participants/{user_id}/tokens` (operator key). Tokens
expire after 12 hours by default.
Only `/healthz`, `POST /v1/auth/login` and `GET /v1/certificates/public-key` need neither.
Requests are counted per caller (per client address without credentials, and per user id too
on login); past a limit the answer is `429 rate_limited` with a `Retry-After` header.
Every refusal is an RFC 9457 problem (`application/problem+json`) whose `code` is stable.
"""


GUARDED = problem_responses(
    "request_too_large", "invalid_request", "rate_limited", "internal_error"
)
"""What any operation may answer: ``RequestGuard`` refuses an oversized body (413) or
unstorable text in any parameter (422) before routing, every route counts requests against a
rate limit (429, ``rate_limits``), and a bug is a 500."""


class SaxaulAPI(FastAPI):
    """FastAPI whose OpenAPI document also declares the ``Problem`` schema and the game's rules.

    Why: error responses are documented as ``application/problem+json`` by reference (see
    ``problems.problem_responses``), and FastAPI only emits component schemas for JSON bodies.
    The values the rules offer (watering steps, cover hours) are data of the rules the app plays
    by, known only once it is built, so they join the request schemas here. Its middleware stack
    sits inside ``SecurityHeaders`` (``answer_headers``).
    """

    def __init__(self, *, rules: EnergyRules, **options: Any) -> None:
        super().__init__(**options)
        self.rules = rules

    def build_middleware_stack(self) -> ASGIApp:
        """The middleware stack inside ``SecurityHeaders``, so every answer gets the headers.

        Why not ``add_middleware``: Starlette keeps its error middleware outermost, and the
        ``500 internal_error`` answer it sends would pass no middleware added that way.
        """
        return SecurityHeaders(super().build_middleware_stack())

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI document, with ``Problem`` and its parts under ``components.schemas``,
        each operator operation's permission (``deps.document_permissions``) and the links
        between operations (``links.LINKS``)."""
        if self.openapi_schema:
            return self.openapi_schema
        document = super().openapi()
        document_permissions(self, document)
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        if "Problem" not in schemas:
            problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(problem.pop("$defs", {}))
            schemas["Problem"] = problem
        for model, keywords in rules_keywords(self.rules).items():
            for name, declared in keywords.items():
                schemas[model]["properties"][name].update(declared)
        apply_links(document)
        return document


def create_app(
    settings: Settings | None = None,
    *,
    runtime: Runtime | None = None,
    stream_source: SourceOpener | None = None,
) -> FastAPI:
    """The Saxaul API; ``runtime`` skips ``bootstrap`` (its owner then disposes of it).

    The scheduled jobs (``saxaul.jobs``) run while the app serves when ``settings.jobs`` is on,
    and the webhook dispatcher unless ``settings.webhooks_interval_s`` is 0, if the app built
    its own runtime: a runtime passed in belongs to a caller that decides when balls are minted
    and events delivered (a test, or the demo playing on simulated days). The document
    declares the game rules of that runtime, or else those ``bootstrap`` plays by.

    ``stream_source`` opens a stream's durable consumer: given one, the app consumes it while
    it serves (``jobs.StreamConsumer``), its work on ``/metrics``. Why passed in: the API
    imports no messaging client; ``saxaul serve`` passes the JetStream one when
    ``settings.serve_stream`` is on (``cli.serving``).
    """
    settings = settings or Settings()
    owns_jobs = settings.jobs and runtime is None
    owns_webhooks = settings.webhooks_interval_s > 0 and runtime is None
    webhook_stats = DeliveryStats()
    consumers: list[StreamConsumer] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt = runtime or bootstrap(settings)
        app.state.runtime = rt
        threads: list[Repeating] = []
        if owns_jobs:
            threads.append(Scheduler(rt, settings.jobs_interval_s))
        if owns_webhooks:
            threads.append(WebhookDispatcher(rt, settings.webhooks_interval_s, webhook_stats))
        if stream_source is not None:
            consumers.append(
                StreamConsumer(
                    rt, stream_source, stream_limits(settings), settings.stream_retry_seconds
                )
            )
            threads.extend(consumers)
        for thread in threads:
            thread.start()
        try:
            yield
        finally:
            for thread in threads:
                thread.stop()
            consumers.clear()
            if runtime is None:
                rt.db.dispose()

    app = SaxaulAPI(
        rules=energy_rules() if runtime is None else runtime.rules,
        title="Saxaul",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served by api_docs, without a CDN
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.settings = settings
    app.state.rate_limits = RateLimits(settings)
    app.state.event_counters = EventCounters.create()
    app.state.event_counters.registry.register(MoveBatches(lambda: _move_stats(app)))
    app.state.event_counters.registry.register(WebhookDeliveries(webhook_stats))
    app.state.event_counters.registry.register(StreamConsumption(lambda: _stream_stats(consumers)))
    install_problem_handlers(app)
    app.add_middleware(RequestGuard)
    # The game's routes first: Starlette tries routes in order, and move requests are the
    # busiest by far (each route passed over is a regular expression tried per request).
    for router in (
        game.router,
        events.router,
        quarantine.router,
        methodology.router,
        reporting.router,
        reporting.operator,
        reversals.router,
        participants.router,
        operator.router,
        partners.router,
        auth.router,
        friends.router,
        game_jobs.router,
        abuse.router,
        scenarios.router,
        scenarios.operator_router,
        certificates.router,
        statements.router,
        erasure.participant_router,
        erasure.operator_router,
        projects.router,
        projects.operator_router,
        webhooks.router,
        orders.router,
        orders.operator,
        pipeline.router,
        pipeline.operator,
        impact.router,
        impact.shared,
        operations.health,
        operations.metrics,
    ):
        app.include_router(router, responses=GUARDED)
    add_docs(app)
    mount_pages(app)
    return app


def _move_stats(app: FastAPI) -> BatchStats | None:
    """The group commit's counts once the lifespan has built the runtime."""
    runtime: Runtime | None = getattr(app.state, "runtime", None)
    return None if runtime is None else runtime.moves.stats


def _stream_stats(consumers: list[StreamConsumer]) -> StreamStats | None:
    """The stream consumer's counts, once the lifespan has started one that consumes."""
    return consumers[0].stats if consumers else None
