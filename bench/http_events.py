"""Bulk events over HTTP with a real operator key, beside the service call and the file import.

    python -m bench.http_events --events 200000 --users 20000 --body-rows 5000
    python -m bench.http_events --events 200000 --body-rows 1000 --clients 4 --workers 2
    python -m bench.http_events --database-url postgresql+psycopg://127.0.0.1/test   # see below

Why three ways over the same events: a payment platform posts its events to
``POST /v1/events`` in bodies of some thousand rows, and what it gets is the HTTP path's rate —
the service call's figure would flatter it. In one process, on fresh stores each:

- ``file``: ``saxaul import`` of the whole day's NDJSON file (``imports.import_events``), the
  import's own best case — one transaction per chunk of a million rows;
- ``service``: the same events cut into bodies of ``--body-rows`` rows, each passed to
  ``imports.import_event_body`` as the route does — the HTTP path without HTTP;
- ``http``: those bodies posted by ``--clients`` keep-alive clients to ``saxaul serve
  --workers N`` in a subprocess, each request carrying ``Authorization: Bearer`` with an
  operator key made by ``saxaul apikey create``'s service (hashed in the store, checked per
  request), its answer read and checked.

The service and HTTP stores must end with the same events and energy, and the file's with the
same events; the bench stops if not. With
``--database-url`` (PostgreSQL), each way gets a schema of its own in that database, dropped
after. Prints one JSON object; progress on stderr.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import tempfile
import threading
import time
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from bench.day_of_events import imported_day
from saxaul.bootstrap import bootstrap
from saxaul.config import Settings
from saxaul.loadtest.scratch import scratch_database
from saxaul.loadtest.server import serve
from saxaul.loadtest.world import BenchFailed
from saxaul.services import api_keys, imports, participants
from saxaul.services.runtime import Runtime

NDJSON = "application/x-ndjson"
TOTALS = "SELECT (SELECT COUNT(*) FROM events), (SELECT COALESCE(SUM(energy_g), 0) FROM awards)"
"""What every way must agree on: events stored and energy awarded."""


def log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def scratch_store(base_url: str | None, work: Path, name: str) -> AbstractContextManager[str]:
    """A fresh store for one way: a SQLite file in ``work``, or a schema in ``base_url``."""
    return scratch_database("sqlite" if base_url is None else "postgresql", work, base_url, name)


def enrolled(url: str, people: Path) -> Runtime:
    """A runtime on ``url`` with the participants imported (not timed)."""
    rt = bootstrap(Settings(database_url=url))
    participants.import_participants(rt, people)
    return rt


def totals(rt: Runtime) -> tuple[int, int]:
    with rt.db.engine.connect() as conn:
        stored, energy = conn.execute(sa.text(TOTALS)).one()
    return int(stored), int(energy)


def bodies(events: Path, rows: int) -> list[bytes]:
    """The NDJSON file cut into bodies of ``rows`` lines."""
    lines = events.read_bytes().splitlines(keepends=True)
    return [b"".join(lines[start : start + rows]) for start in range(0, len(lines), rows)]


def post_all(base: str, secret: str, shares: list[list[bytes]]) -> list[str]:
    """Each client posts its share over one keep-alive connection; the failures, if any."""
    where = urlsplit(base)
    failures: list[str] = []
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": NDJSON}

    def client(share: list[bytes]) -> None:
        conn = http.client.HTTPConnection(where.hostname or "", where.port, timeout=300)
        try:
            for body in share:
                conn.request("POST", "/v1/events", body=body, headers=headers)
                answer = conn.getresponse()
                text = answer.read()
                if answer.status != 200 or json.loads(text)["rejected"]:
                    failures.append(f"{answer.status}: {text[:300]!r}")
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(share,)) for share in shares]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """The three ways over the same events; their rates and whether their totals agree."""
    with scratch_store(args.database_url, work, "file") as url:
        rt = bootstrap(Settings(database_url=url))
        day = imported_day(rt, work / "data", users=args.users, events=args.events)
        people, file_s = day.people, day.import_seconds
        expected = totals(rt)
        rt.db.dispose()
    log(f"file: {expected[0]:,} events in {file_s:.2f} s")
    cut = bodies(day.events, args.body_rows)

    with scratch_store(args.database_url, work, "service") as url:
        rt = enrolled(url, people)
        max_rows = Settings().http_max_rows
        began = time.perf_counter()
        for body in cut:
            imports.import_event_body(rt, body, NDJSON, max_rows=max_rows)
        service_s = time.perf_counter() - began
        service_totals = totals(rt)
        rt.db.dispose()
    log(f"service: {len(cut)} bodies in {service_s:.2f} s")

    with scratch_store(args.database_url, work, "http") as url:
        rt = enrolled(url, people)
        secret = api_keys.create_api_key(rt, "bench-events")
        rt.db.dispose()
        shares = [cut[client :: args.clients] for client in range(args.clients)]
        with serve(url, log, workers=args.workers, output=work / "server.log") as base:
            began = time.perf_counter()
            failures = post_all(base, secret, shares)
            http_s = time.perf_counter() - began
        rt = bootstrap(Settings(database_url=url))
        http_totals = totals(rt)
        rt.db.dispose()
    log(f"http: {len(cut)} bodies by {args.clients} clients in {http_s:.2f} s")
    if failures:
        raise BenchFailed(f"{len(failures)} requests failed, first: {failures[0]}")
    # Bodies and the file cut the same events into different chunks, and each award is
    # floored to whole grams, so the file's energy may differ by a few grams (never the events).
    if service_totals != http_totals or expected[0] != http_totals[0]:
        raise BenchFailed(f"totals differ: {expected}, {service_totals}, {http_totals}")
    count = expected[0]
    return {
        "bench": "http_events",
        "store": "sqlite" if args.database_url is None else "postgresql",
        "events": count,
        "body_rows": args.body_rows,
        "clients": args.clients,
        "workers": args.workers,
        "file_events_per_s": round(count / file_s),
        "service_events_per_s": round(count / service_s),
        "http_events_per_s": round(count / http_s),
        "http_vs_service": round(service_s / http_s, 3),
        "http_vs_file": round(file_s / http_s, 3),
        "totals_agree": True,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--body-rows", type=int, default=5_000)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", default=None, help="PostgreSQL; default SQLite files")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="saxaul-http-events-") as tmp:
        result = run(args, Path(tmp))
    sys.stdout.write(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
