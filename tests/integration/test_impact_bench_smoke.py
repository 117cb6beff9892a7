"""The impact report benchmark runs end to end on a small pilot and reports what it promises."""

from __future__ import annotations

import pytest

from bench.impact_report import PATHS, run_impact_bench, summary


@pytest.mark.slow
def test_impact_bench_times_three_paths_that_give_the_same_document() -> None:
    result = run_impact_bench(participants=200, chunk_rows=500, log=lambda _m: None)

    assert result["same_document"], {p: result[p]["result"] for p in PATHS}
    assert result["rows"]["events"] > 500 and result["rows"]["ledger_transfers"] > 500
    assert result["export"]["result"]["events"] == result["rows"]["events"]
    for path in PATHS:
        assert result[path]["seconds"] > 0
        assert result[path]["peak_rss_mib"] >= result[path]["rss_at_start_mib"] > 0
    assert set(result["ratios_vs_store"]) == {"archive", "whole_tables"}
    assert "whole_tables" in summary(result)
