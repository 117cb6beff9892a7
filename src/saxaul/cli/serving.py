"""How ``saxaul serve`` runs the API: uvicorn on httptools and uvloop, in one or more processes.

Why several processes: one Python process serves on one core at a time (the GIL), so on a
machine with more cores the others wait idle; ``SAXAUL_WORKERS`` (or ``--workers``) processes
share the listening socket. Why uvicorn on httptools and uvloop: on a 2-core machine serving the
real app on PostgreSQL to 32 keep-alive clients, 2 uvicorn workers and 2 granian workers served
about as many requests (within the noise), uvicorn with the lower p99 in most runs, and both
clearly more than one process; httptools and uvloop cost less per request than the pure-Python
h11 parser and asyncio loop.

Every worker builds its own app from ``SAXAUL_*`` (the parent exports the settings it resolved,
options included), so with several workers the parent first opens the database once: the
migrations and the pack registrations then run once, not raced by every worker. The scheduled
jobs start in every worker's lifespan but run only in the one holding the database's jobs lock
(``store.job_lock``): once per database, whatever the number of workers.

With ``SAXAUL_SERVE_STREAM`` on, each worker's app is also given the JetStream consumer's
opener (``served_app``), and the one worker holding the database's stream lock consumes the
stream (``jobs.StreamConsumer``). Why here: the API imports no messaging client, and this is
the command that chooses one.

Example: ``serve(Settings(workers=2))`` → two processes on ``SAXAUL_HOST:SAXAUL_PORT``.
"""

from __future__ import annotations

import os
from functools import partial
from typing import TypedDict

import uvicorn
from fastapi import FastAPI

from saxaul.api.app import create_app
from saxaul.bootstrap import bootstrap, server_workers
from saxaul.cli.jetstream import JetStreamSource, StreamTarget
from saxaul.config import Settings

APP_FACTORY = "saxaul.cli.serving:served_app"
"""What each worker imports and calls (``served_app()`` reads ``SAXAUL_*``)."""


def served_app() -> FastAPI:
    """The app one worker serves: ``create_app`` from ``SAXAUL_*``, consuming the JetStream
    stream the ``SAXAUL_STREAM_*`` settings name when ``SAXAUL_SERVE_STREAM`` is on."""
    settings = Settings()
    if not settings.serve_stream:
        return create_app(settings)
    target = StreamTarget.from_settings(settings)
    return create_app(settings, stream_source=partial(JetStreamSource.open, target))


def serve(settings: Settings) -> None:
    """Serve until interrupted, in ``server_workers(settings)`` processes."""
    workers = server_workers(settings)
    os.environ.update(as_environment(settings))
    if workers > 1:
        bootstrap(settings).db.dispose()
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers,
        http="httptools",
        loop="uvloop",
        access_log=settings.access_log,
        **proxy_options(settings),
    )


class ProxyOptions(TypedDict, total=False):
    """The keyword arguments of ``uvicorn.run`` about proxies."""

    proxy_headers: bool
    forwarded_allow_ips: str


def proxy_options(settings: Settings) -> ProxyOptions:
    """uvicorn's options for ``X-Forwarded-*``: believed only from ``SAXAUL_TRUSTED_PROXIES``.

    Why explicit: uvicorn believes those headers from 127.0.0.1 unless told otherwise, and the
    client address is what sign-in limits count, so a server must not take it from a header
    anyone may send. Behind a proxy, list the proxy's addresses (``10.0.0.5`` or ``10.0.0.0/8``).
    """
    if not settings.trusted_proxies.strip():
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": settings.trusted_proxies}


def as_environment(settings: Settings) -> dict[str, str]:
    """``settings`` as the ``SAXAUL_*`` variables that give a worker the same ``Settings()``."""
    prefix = str(Settings.model_config.get("env_prefix", ""))
    return {
        f"{prefix}{name}".upper(): str(value).lower() if isinstance(value, bool) else str(value)
        for name, value in settings.model_dump().items()
        if value is not None
    }
