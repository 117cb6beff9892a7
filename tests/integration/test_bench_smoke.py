"""The ingest benchmark runs end to end on a small input and reports what it promises."""

from __future__ import annotations

import pytest

from bench.ingest import run_ingest_bench


@pytest.mark.slow
def test_ingest_bench_reports_both_baselines_and_exactly_once(postgres_base: str) -> None:
    url = postgres_base.replace("postgresql+psycopg://", "postgresql://")
    result = run_ingest_bench(events=6_000, users=400, postgres_url=url, log=lambda _m: None)

    assert result["in_memory_limit_events_per_s"] > 0
    for backend in ("sqlite", "postgresql"):
        figures = result[backend]
        assert figures["naive_events_per_s"] > 0
        for fmt in ("parquet", "csv"):
            run = figures["end_to_end"][fmt]
            assert run["new_events"] == run["events"] == result["events"]
            assert run["reimport_new_events"] == 0
        energies = {run["energy_g"] for run in figures["end_to_end"].values()}
        assert len(energies) == 1, "the same events must earn the same energy from any format"
