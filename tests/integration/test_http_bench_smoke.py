"""``saxaul bench http`` runs end to end on a tiny world and reports what it promises."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from saxaul.cli import app

LEVEL_KEYS = {"moves_per_s", "pgbench_tps", "ratio", "p99_ms", "errors", "conserved"}


@pytest.mark.slow
def test_bench_http_plays_the_real_server_without_errors_and_conserves_energy(
    postgres_base: str,
) -> None:
    url = postgres_base.replace("postgresql+psycopg://", "postgresql://")
    pgbench_seconds = "1" if shutil.which("pgbench") else "0"
    args = ["bench", "http", "--players", "600", "--clients", "2", "--clients", "8"]
    args += ["--seconds", "1.5", "--pgbench-seconds", pgbench_seconds, "--postgres-url", url]

    result = CliRunner().invoke(app, [*args, "--json"])

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {"python", "cores", "sqlalchemy", "psycopg"} <= set(report["machine"])
    assert report["durability"]["synchronous_commit"]
    assert set(report["levels"]) == {"2", "8"}
    for level in report["levels"].values():
        assert set(level) >= LEVEL_KEYS
        assert level["errors"] == 0, level["error_samples"]
        assert level["conserved"] is True
        assert level["moves_per_s"] > 0
        assert level["applied"] > 0 and level["applied_by_move"]["collect"] > 0
        assert level["moves"] == level["applied"] + level["refused"]
        assert not level["intended_refusals_applied"]
        assert level["collects_without_a_fresh_ball"] == 0
        assert level["p50_ms"] <= level["p99_ms"] <= level["p99_9_ms"]
        if pgbench_seconds != "0":
            assert level["pgbench_tps"] > 0 and level["ratio"] > 0
