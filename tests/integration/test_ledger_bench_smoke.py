"""The ledger benchmark runs end to end on a tiny world and reports what it promises."""

from __future__ import annotations

import pytest

from bench.ledger import BenchConfig, run_ledger_bench
from bench.report import format_ledger_summary


@pytest.mark.slow
def test_ledger_bench_plays_every_cell_and_leaves_a_clean_ledger() -> None:
    config = BenchConfig(
        players=200, seconds=1.0, threads=4, postgres_url=None, http=False, pgbench=False
    )
    result = run_ledger_bench(config, log=lambda _m: None)

    sqlite = result["engines"]["sqlite"]
    assert sqlite["durability"]["journal_mode"] == "wal"
    assert sqlite["durability"]["synchronous"] == "FULL"
    assert sqlite["setup"]["starting_energy_g_per_player"] >= 17_900, "one saxaul each"
    assert set(sqlite["cells"]) == {"service_b1", "service_b100"}
    for by_distribution in sqlite["cells"].values():
        assert set(by_distribution) == {"uniform", "zipf"}
        for figures in by_distribution.values():
            assert figures["ops"] == figures["applied"] + figures["refused"]
            assert figures["applied"] > 0
            assert figures["ops_per_s"] > 0
            assert figures["audit"]["conserved"] and not figures["audit"]["problems"]
            assert figures["audit"]["by_kind_g"].get("planted", 0) >= 0
    assert "service_b100" in format_ledger_summary(result)
