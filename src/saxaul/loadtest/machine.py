"""What every benchmark prints beside its figures: the machine, its versions, the durability.

Why: absolute figures drift with the machine, its load and what a commit costs, so a figure
without them cannot be compared with another run; ratios measured side by side hold.
"""

from __future__ import annotations

import contextlib
import os
import platform
from importlib.metadata import version
from pathlib import Path
from typing import Any

import sqlalchemy as sa

LIBRARIES = ("polars", "pyarrow", "sqlalchemy", "adbc-driver-sqlite", "psycopg")


def machine() -> dict[str, Any]:
    """CPU, cores, load and library versions at the time of the call."""
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    } | {name.replace("-", "_"): version(name) for name in LIBRARIES}


def durability(engine: sa.Engine) -> dict[str, Any]:
    """The settings that decide what a commit costs, read back from a live connection."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            return {
                "sqlite_version": conn.exec_driver_sql("SELECT sqlite_version()").scalar(),
                "journal_mode": conn.exec_driver_sql("PRAGMA journal_mode").scalar(),
                "synchronous": {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}.get(
                    int(conn.exec_driver_sql("PRAGMA synchronous").scalar() or 0)
                ),
                "page_size": conn.exec_driver_sql("PRAGMA page_size").scalar(),
                "pool": type(engine.pool).__name__,
            }
        return {
            name: str(conn.execute(sa.text(f"SHOW {name}")).scalar())
            for name in (
                "server_version",
                "synchronous_commit",
                "fsync",
                "wal_sync_method",
                "shared_buffers",
                "max_wal_size",
                "max_connections",
            )
        } | {"pool": type(engine.pool).__name__}
