"""``saxaul serve --workers 2`` on PostgreSQL: two processes answer, one runs the jobs.

A real server in a subprocess: each worker starts a scheduler in its lifespan, and the jobs
lock (``store.job_lock``, a session advisory lock keyed by the schema) must be held by exactly
one of them, so the jobs run once per database whatever the number of workers.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

from saxaul.store.job_lock import ADVISORY_CLASSES

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _lock_holders(engine: sa.Engine, schema: str) -> int:
    with engine.connect() as conn:
        held: int = conn.execute(
            sa.text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND classid = :cls AND objid = (hashtext(:schema)::bigint & 4294967295)"
            ),
            {"cls": ADVISORY_CLASSES["jobs"], "schema": schema},
        ).scalar_one()
    return held


def test_two_workers_serve_and_only_one_holds_the_jobs_lock(pg_url: str, tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "SAXAUL_DATABASE_URL": pg_url, "SAXAUL_PORT": str(port)}
    log_path = tmp_path / "serve.log"
    log = log_path.open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "saxaul", "serve", "--workers", "2"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    engine = sa.create_engine(pg_url)
    schema = pg_url.rsplit("%3D", 1)[1]
    try:
        deadline = time.monotonic() + 60
        while log_path.read_text().count("Application startup complete") < 2:
            assert server.poll() is None, "the server stopped"
            assert time.monotonic() < deadline, "two workers did not start"
            time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as answer:
            assert answer.status == 200

        deadline = time.monotonic() + 30
        while _lock_holders(engine, schema) == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _lock_holders(engine, schema) == 1
    finally:
        server.terminate()
        server.wait(timeout=30)
        engine.dispose()
        log.close()
