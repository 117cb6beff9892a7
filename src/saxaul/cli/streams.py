"""``saxaul ingest stream`` (consume live events from NATS JetStream exactly once) and
``saxaul events publish`` (a file's rows as messages, for tests, backfills and demos).

Why the consumer serves its own ``/metrics``: it is a process of its own, not the API's, so
its lag and throughput are scraped from it (``--metrics-port``; the same series as a server's
``/metrics`` when ``saxaul serve`` consumes, ``api.metrics.StreamConsumption``); the same
numbers are on its progress line.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from prometheus_client import CollectorRegistry, start_http_server

from saxaul.api.metrics import StreamConsumption
from saxaul.bootstrap import stream_limits
from saxaul.cli.common import err, runtime
from saxaul.cli.jetstream import JetStreamSource, StreamTarget, publish
from saxaul.config import Settings
from saxaul.ingest.messages import MAX_EVENTS_PER_MESSAGE
from saxaul.services.stream_ingest import StreamStats, consume, file_messages

ingest_app = typer.Typer(help="Live events from a message stream.", no_args_is_help=True)
events_app = typer.Typer(help="Events on a message stream.", no_args_is_help=True)
PER_MESSAGE = 100
"""``saxaul events publish``'s rows per message: what a payment platform's producer batches,
and 100 typical events (~25 KB) sit well inside SAXAUL_STREAM_MAX_MESSAGE_BYTES."""


@ingest_app.command("stream")
def ingest_stream(
    subject: Annotated[str | None, typer.Option(help="Subjects; SAXAUL_STREAM_SUBJECT.")] = None,
    stream: Annotated[str | None, typer.Option(help="Stream (default SAXAUL_STREAM_NAME).")] = None,
    durable: Annotated[
        str | None, typer.Option(help="Durable consumer (default SAXAUL_STREAM_DURABLE).")
    ] = None,
    batch: Annotated[
        int | None, typer.Option(min=1, help="Messages per fetch (default SAXAUL_STREAM_BATCH).")
    ] = None,
    until_idle: Annotated[
        bool, typer.Option("--until-idle", help="Exit once the stream is drained.")
    ] = False,
    metrics_port: Annotated[
        int | None, typer.Option(help="Serve Prometheus /metrics on this port.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the totals as JSON.")] = False,
) -> None:
    """Consume events from NATS JetStream: each batch imported in one transaction, then acked."""
    settings = Settings()
    target = StreamTarget.from_settings(
        settings, stream=stream, subject=subject, durable=durable, batch=batch
    )
    stats = StreamStats()
    if metrics_port is not None:
        registry = CollectorRegistry(auto_describe=True)
        registry.register(StreamConsumption(lambda: stats))
        start_http_server(metrics_port, addr="127.0.0.1", registry=registry)

    def progress(stats: StreamStats) -> None:
        err.print(
            f"batch {stats.batches}: {stats.messages:,} messages, {stats.events:,} events, "
            f"{stats.new_events:,} new, "
            f"{stats.duplicates:,} duplicates, {stats.rejected:,} quarantined, "
            f"{stats.dead_letters:,} dead letters; lag {stats.lag:,}; "
            f"{stats.events_per_second:,.0f} events/s",
            highlight=False,
        )

    rt = runtime()
    limits = stream_limits(settings, batch=target.batch)
    with JetStreamSource.open(target) as source, contextlib.suppress(KeyboardInterrupt):
        consume(rt, source, limits, until_idle=until_idle, progress=progress, stats=stats)
    totals = {
        "batches": stats.batches,
        "messages": stats.messages,
        "events": stats.events,
        "new_events": stats.new_events,
        "duplicates": stats.duplicates,
        "rejected": stats.rejected,
        "dead_letters": stats.dead_letters,
        "energy_g": stats.energy_g,
        "lag": stats.lag,
        "messages_per_second": round(stats.messages_per_second, 1),
        "events_per_second": round(stats.events_per_second, 1),
    }
    if as_json:
        sys.stdout.write(json.dumps(totals) + "\n")
    else:
        err.print(", ".join(f"{k} {v:,}" for k, v in totals.items()), highlight=False)


@events_app.command("publish")
def events_publish(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or NDJSON.")],
    subject: Annotated[str, typer.Option(help="Subject to publish on.")] = "events.x",
    stream: Annotated[str | None, typer.Option(help="Stream (default SAXAUL_STREAM_NAME).")] = None,
    per_message: Annotated[
        int,
        typer.Option(
            min=1,
            max=MAX_EVENTS_PER_MESSAGE,
            help="Rows per message (NDJSON), fewer if SAXAUL_STREAM_MAX_MESSAGE_BYTES is reached.",
        ),
    ] = PER_MESSAGE,
) -> None:
    """Publish an events file's rows, packed ``--per-message`` to a message as producers
    batch (Nats-Msg-Id from the content, so a re-publish is dropped by the stream)."""
    settings = Settings()
    target = StreamTarget.from_settings(settings, stream=stream)
    messages = file_messages(
        path, per_message=per_message, max_message_bytes=settings.stream_max_message_bytes
    )
    stored = publish(target, subject, messages)
    sys.stdout.write(json.dumps({"published": stored}) + "\n")
