"""``saxaul ingest stream`` (consume live events from NATS JetStream exactly once) and
``saxaul events publish`` (a file's rows as messages, for tests, backfills and demos).

Why the consumer serves its own ``/metrics``: it is a process of its own, not the API's, so
its lag and throughput are scraped from it (``--metrics-port``); the same numbers are on its
progress line.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server

from saxaul.cli.common import err, runtime
from saxaul.cli.jetstream import JetStreamSource, StreamTarget, publish
from saxaul.config import Settings
from saxaul.services.stream_ingest import StreamLimits, StreamStats, consume, file_messages

ingest_app = typer.Typer(help="Live events from a message stream.", no_args_is_help=True)
events_app = typer.Typer(help="Events on a message stream.", no_args_is_help=True)


@dataclasses.dataclass(frozen=True, slots=True)
class StreamMetrics:
    """The consumer's Prometheus series, on a registry of its own."""

    registry: CollectorRegistry
    messages: Counter
    events_new: Counter
    events_duplicate: Counter
    events_rejected: Counter
    lag: Gauge
    throughput: Gauge

    @classmethod
    def create(cls) -> StreamMetrics:
        """A fresh registry holding the series."""
        registry = CollectorRegistry(auto_describe=True)
        return cls(
            registry=registry,
            messages=Counter(
                "saxaul_stream_messages", "Messages imported and acked.", registry=registry
            ),
            events_new=Counter(
                "saxaul_stream_events_new", "New events from the stream.", registry=registry
            ),
            events_duplicate=Counter(
                "saxaul_stream_events_duplicate",
                "Events already stored (redelivered or re-sent).",
                registry=registry,
            ),
            events_rejected=Counter(
                "saxaul_stream_events_rejected", "Messages quarantined.", registry=registry
            ),
            lag=Gauge(
                "saxaul_stream_lag_messages",
                "Messages not yet acknowledged by the durable consumer.",
                registry=registry,
            ),
            throughput=Gauge(
                "saxaul_stream_messages_per_second",
                "Messages imported per second of import work, since start.",
                registry=registry,
            ),
        )

    def record(self, before: StreamStats, after: StreamStats) -> None:
        """Advance the counters by what changed since ``before``."""
        self.messages.inc(after.messages - before.messages)
        self.events_new.inc(after.new_events - before.new_events)
        self.events_duplicate.inc(after.duplicates - before.duplicates)
        self.events_rejected.inc(after.rejected - before.rejected)
        self.lag.set(after.lag)
        self.throughput.set(after.messages_per_second)


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
    limits = StreamLimits(
        batch_size=target.batch,
        wait_seconds=settings.stream_fetch_wait_seconds,
        max_message_bytes=settings.stream_max_message_bytes,
    )
    metrics = StreamMetrics.create()
    if metrics_port is not None:
        start_http_server(metrics_port, addr="127.0.0.1", registry=metrics.registry)
    seen = [StreamStats()]

    def progress(stats: StreamStats) -> None:
        metrics.record(seen[-1], stats)
        seen[-1] = dataclasses.replace(stats)
        err.print(
            f"batch {stats.batches}: {stats.messages:,} messages, {stats.new_events:,} new, "
            f"{stats.duplicates:,} duplicates, {stats.rejected:,} quarantined; "
            f"lag {stats.lag:,}; {stats.messages_per_second:,.0f} messages/s",
            highlight=False,
        )

    rt = runtime()
    with JetStreamSource.open(target) as source:
        try:
            stats = consume(rt, source, limits, until_idle=until_idle, progress=progress)
        except KeyboardInterrupt:
            stats = seen[-1]
    totals = {
        "batches": stats.batches,
        "messages": stats.messages,
        "new_events": stats.new_events,
        "duplicates": stats.duplicates,
        "rejected": stats.rejected,
        "energy_g": stats.energy_g,
        "lag": stats.lag,
        "messages_per_second": round(stats.messages_per_second, 1),
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
) -> None:
    """Publish each row of an events file as one message (Nats-Msg-Id from source:event_id)."""
    target = StreamTarget.from_settings(Settings(), stream=stream)
    stored = publish(target, subject, file_messages(path))
    sys.stdout.write(json.dumps({"published": stored}) + "\n")
