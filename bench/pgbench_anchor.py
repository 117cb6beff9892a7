"""pgbench's TPC-B on the same PostgreSQL, as the anchor other benchmarks are read against.

Why in the same run: absolute figures drift with the shared machine's load and disk, so every
ledger figure is also reported as a ratio to pgbench's tps measured minutes apart on the same
server: ratios measured side by side hold across runs and machines. The scratch database is
created and dropped here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bench.scratch import admin_engine

Log = Callable[[str], None]


class PgbenchFailed(RuntimeError):
    """pgbench did not run or printed no tps."""


def libpq_args(url: str) -> tuple[list[str], dict[str, str]]:
    """pgbench's connection flags (and PGPASSWORD) for a ``postgresql://`` URL."""
    parsed = make_url(url)
    args = ["-h", parsed.host or "127.0.0.1", "-p", str(parsed.port or 5432)]
    if parsed.username:
        args += ["-U", parsed.username]
    env = {**os.environ}
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    return args, env


def run_pgbench(url: str, seconds: int, log: Log) -> dict[str, Any]:
    """TPC-B (``pgbench -i -s 10``; ``-c 8 -j 2 -T seconds``) in a scratch database."""
    pgbench = shutil.which("pgbench") or "/usr/bin/pgbench"
    name = f"bench_pgbench_{os.getpid()}"
    admin = admin_engine(url)
    args, env = libpq_args(url)
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    try:
        started = time.perf_counter()
        subprocess.run(
            [pgbench, "-i", "-s", "10", "-q", *args, name],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        init_s = time.perf_counter() - started
        run = subprocess.run(
            [pgbench, "-c", "8", "-j", "2", "-T", str(seconds), *args, name],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
    found = re.search(r"tps = ([0-9.]+) \((?:without|excluding)", run.stdout)
    latency = re.search(r"latency average = ([0-9.]+) ms", run.stdout)
    if found is None:
        raise PgbenchFailed(f"pgbench printed no tps:\n{run.stdout}\n{run.stderr}")
    figures = {
        "tps": round(float(found.group(1)), 1),
        "latency_ms": float(latency.group(1)) if latency else None,
        "scale": 10,
        "clients": 8,
        "threads": 2,
        "seconds": seconds,
        "init_seconds": round(init_s, 1),
        "command": f"pgbench -c 8 -j 2 -T {seconds} (after pgbench -i -s 10)",
    }
    log(f"pgbench TPC-B: {figures}")
    return figures
