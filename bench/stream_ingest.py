"""Stream ingest beside file import of the same events, in one process: events per second.

    python -m bench.stream_ingest --events 100000 --users 10000
    python -m bench.stream_ingest --events 100000 --batch 5000 --nats-url nats://127.0.0.1:4222
    python -m bench.stream_ingest --events 100000 --per-message 100 --batch 100

Writes a simulated day of events (NDJSON), imports it from the file into one fresh SQLite
store (the baseline: ``saxaul import``), publishes it to a JetStream stream of its own
(``saxaul events publish``'s path, ``--per-message`` events to a message) and consumes it
into another fresh store with the durable pull consumer (``saxaul ingest stream
--until-idle``'s loop). Both stores must end with the same totals; the bench says so. Prints
one JSON object. The stream is deleted at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import nats
import sqlalchemy as sa

from bench.day_of_events import imported_day
from saxaul.bootstrap import bootstrap, stream_limits
from saxaul.cli.jetstream import JetStreamSource, StreamTarget, publish
from saxaul.config import Settings
from saxaul.services import participants
from saxaul.services.stream_ingest import consume, file_messages

TOTALS = (
    "SELECT (SELECT COUNT(*) FROM events), (SELECT COALESCE(SUM(energy_g), 0) FROM awards), "
    "(SELECT COUNT(*) FROM quarantine)"
)


def _totals(url: str) -> list[int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            row = conn.execute(sa.text(TOTALS)).one()
        return [int(value) for value in row]
    finally:
        engine.dispose()


async def _delete_stream(url: str, name: str) -> None:
    nc = await nats.connect(url)
    try:
        await nc.jetstream().delete_stream(name)
    finally:
        await nc.close()


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Both ways over the same file; their rates and whether their totals agree."""
    file_db = f"sqlite:///{work / 'file.db'}"
    stream_db = f"sqlite:///{work / 'stream.db'}"
    base = bootstrap(Settings(database_url=file_db))
    day = imported_day(base, work / "data", users=args.users, events=args.events)
    people, events, file_seconds = day.people, day.events, day.import_seconds
    base.db.dispose()

    name = f"bench{uuid.uuid4().hex[:8]}"
    settings = Settings(
        stream_url=args.nats_url,
        stream_name=name,
        stream_subject=f"{name}.>",
        stream_durable=f"{name}-ingest",
    )
    target = StreamTarget.from_settings(settings, batch=args.batch)
    started = time.perf_counter()
    messages = file_messages(
        events, per_message=args.per_message, max_message_bytes=settings.stream_max_message_bytes
    )
    published = publish(target, f"{name}.pay", messages)
    publish_seconds = time.perf_counter() - started

    live = bootstrap(Settings(database_url=stream_db))
    participants.import_participants(live, people)
    limits = stream_limits(settings, batch=target.batch)
    try:
        with JetStreamSource.open(target) as source:
            started = time.perf_counter()
            stats = consume(live, source, limits, until_idle=True)
            stream_seconds = time.perf_counter() - started
    finally:
        live.db.dispose()
        asyncio.run(_delete_stream(args.nats_url, name))
    return {
        "events": args.events,
        "per_message": args.per_message,
        "batch": args.batch,
        "file_import_events_per_s": round(args.events / file_seconds),
        "publish_messages_per_s": round(published / publish_seconds),
        "stream_ingest_events_per_s": round(stats.events / stream_seconds),
        "stream_batches": stats.batches,
        "file_over_stream": round(stream_seconds / file_seconds, 1),
        "totals_agree": _totals(file_db) == _totals(stream_db),
    }


def main(argv: list[str] | None = None) -> None:
    """Parse the options, run both ways in a scratch directory, print the JSON result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=Settings().stream_batch)
    parser.add_argument("--per-message", type=int, default=1, help="Events per message.")
    parser.add_argument("--nats-url", default=Settings().stream_url)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="saxaul-stream-bench-") as tmp:
        result = run(args, Path(tmp))
    sys.stdout.write(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
