"""Prometheus counters of what the HTTP bulk endpoint did, on a registry owned by one app.

Why a per-app ``CollectorRegistry``: the global registry is a mutable module-level singleton, so
two apps in one process (tests, an embedded server) would share or clash over counters. Each
``create_app`` makes its own registry; ``GET /metrics`` renders exactly that one.

Example: after one request with 3 new events, 1 re-sent and 1 bad row, ``/metrics`` shows
``saxaul_events_accepted_total 3.0``, ``saxaul_events_duplicate_total 1.0`` and
``saxaul_events_rejected_total 1.0``. The game's group commit is read as it is at each scrape
(``saxaul_move_batches_total``, ``saxaul_move_requests_total``): their ratio is the mean batch.
So is the stream consumer's work (``StreamConsumption``), in the server process that consumes
and in ``saxaul ingest stream --metrics-port``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from saxaul.services.group_commit import BatchStats
from saxaul.services.imports import ImportSummary
from saxaul.services.stream_ingest import StreamStats
from saxaul.services.webhooks import DeliveryStats


@dataclass(frozen=True, slots=True)
class EventCounters:
    """Events offered over HTTP, by what became of them."""

    registry: CollectorRegistry
    accepted: Counter
    duplicate: Counter
    rejected: Counter

    @classmethod
    def create(cls) -> EventCounters:
        """A fresh registry holding the three event counters."""
        registry = CollectorRegistry(auto_describe=True)
        return cls(
            registry=registry,
            accepted=Counter(
                "saxaul_events_accepted",
                "Events stored as new by POST /v1/events.",
                registry=registry,
            ),
            duplicate=Counter(
                "saxaul_events_duplicate",
                "Events POSTed again with identical fields (harmless re-sends).",
                registry=registry,
            ),
            rejected=Counter(
                "saxaul_events_rejected",
                "Event rows refused and quarantined by POST /v1/events.",
                registry=registry,
            ),
        )

    def observe(self, summary: ImportSummary) -> None:
        """Count one import's outcome."""
        self.accepted.inc(summary.new_events)
        self.duplicate.inc(summary.duplicates)
        self.rejected.inc(summary.rejected)


class MoveBatches(Collector):
    """The group commit's counts of this process, read at each scrape (they live on the runtime,
    which the app's lifespan builds after the registry)."""

    def __init__(self, stats: Callable[[], BatchStats | None]) -> None:
        self.stats = stats

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        """The counts, or nothing before the runtime exists."""
        stats = self.stats()
        if stats is None:
            return
        yield CounterMetricFamily(
            "saxaul_move_batches",
            "Transactions that played game move requests (group commit).",
            value=stats.batches,
        )
        yield CounterMetricFamily(
            "saxaul_move_requests",
            "Game move requests played in those transactions.",
            value=stats.items,
        )
        yield CounterMetricFamily(
            "saxaul_move_requests_run_alone",
            "Requests played again one by one after their batch failed with an error.",
            value=stats.run_alone,
        )
        yield GaugeMetricFamily(
            "saxaul_move_batch_largest", "Most requests played in one transaction.", stats.largest
        )


class WebhookDeliveries(Collector):
    """What this process's webhook dispatcher has done, read at each scrape."""

    def __init__(self, stats: DeliveryStats) -> None:
        self.stats = stats

    def collect(self) -> Iterator[CounterMetricFamily]:
        """Deliveries acknowledged, attempts to retry, deliveries finally failed."""
        total = self.stats.total
        yield CounterMetricFamily(
            "saxaul_webhook_deliveries_sent",
            "Webhook deliveries a partner's receiver acknowledged (2xx).",
            value=total.sent,
        )
        yield CounterMetricFamily(
            "saxaul_webhook_attempts_failed",
            "Webhook attempts that failed and will be retried.",
            value=total.retrying,
        )
        yield CounterMetricFamily(
            "saxaul_webhook_deliveries_failed",
            "Webhook deliveries that finally failed (retries spent; the subscription is flagged).",
            value=total.failed,
        )


class StreamConsumption(Collector):
    """What a stream consumer has done (``services.stream_ingest.StreamStats``), read at each
    scrape; nothing while ``stats`` gives ``None`` (a server process standing by)."""

    def __init__(self, stats: Callable[[], StreamStats | None]) -> None:
        self.stats = stats

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        """Messages and events by outcome, dead letters, lag and throughput."""
        stats = self.stats()
        if stats is None:
            return
        counters = (
            ("saxaul_stream_messages", "Messages imported and acked.", stats.messages),
            ("saxaul_stream_events", "Events (message lines) read, good or bad.", stats.events),
            ("saxaul_stream_events_new", "New events from the stream.", stats.new_events),
            (
                "saxaul_stream_events_duplicate",
                "Events already stored or lines already quarantined (redelivered or re-sent).",
                stats.duplicates,
            ),
            ("saxaul_stream_events_rejected", "Lines or messages quarantined.", stats.rejected),
            (
                "saxaul_stream_dead_letters",
                "Messages whose import kept failing, quarantined dead_letter and terminated.",
                stats.dead_letters,
            ),
        )
        for name, documentation, value in counters:
            yield CounterMetricFamily(name, documentation, value=value)
        yield GaugeMetricFamily(
            "saxaul_stream_lag_messages",
            "Messages not yet acknowledged by the durable consumer.",
            stats.lag,
        )
        yield GaugeMetricFamily(
            "saxaul_stream_messages_per_second",
            "Messages imported per second of import work, since start.",
            stats.messages_per_second,
        )
        yield GaugeMetricFamily(
            "saxaul_stream_events_per_second",
            "Events (message lines) read per second of import work, since start.",
            stats.events_per_second,
        )
