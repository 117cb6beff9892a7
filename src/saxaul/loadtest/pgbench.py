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

from saxaul.loadtest.scratch import admin_engine

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


PGBENCH_SCALE = 10
"""``pgbench -i -s 10``: 1 M accounts, small enough to initialise in seconds."""
PGBENCH_THREADS = 2
"""pgbench's own threads (``-j``): the project machine has two cores."""


def run_pgbench(url: str, seconds: int, log: Log, clients: int = 8) -> dict[str, Any]:
    """TPC-B (``pgbench -i -s 10``; ``-c clients -j 2 -T seconds``) in a scratch database.

    The ledger benchmark reads its 8 threads against 8 pgbench clients; the HTTP benchmark
    reads its many clients against as many (``--pgbench-clients``).
    """
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
            [pgbench, "-i", "-s", str(PGBENCH_SCALE), "-q", *args, name],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        init_s = time.perf_counter() - started
        run = subprocess.run(
            [
                pgbench,
                *("-c", str(clients), "-j", str(PGBENCH_THREADS), "-T", str(seconds)),
                *args,
                name,
            ],
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
        "scale": PGBENCH_SCALE,
        "clients": clients,
        "threads": PGBENCH_THREADS,
        "seconds": seconds,
        "init_seconds": round(init_s, 1),
        "command": f"pgbench -c {clients} -j {PGBENCH_THREADS} -T {seconds} "
        f"(after pgbench -i -s {PGBENCH_SCALE})",
    }
    log(f"pgbench TPC-B: {figures}")
    return figures
