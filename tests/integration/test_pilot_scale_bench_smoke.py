"""The pilot-at-scale benchmark runs its three commands end to end and sets the report's
headline beside the scaled targets (at a size far too small to meet them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.pilot_scale import run_scale_bench, summary


@pytest.mark.slow
def test_pilot_scale_bench_times_files_play_and_report(tmp_path: Path) -> None:
    result = run_scale_bench(
        users=300,
        days=40,
        seed=3,
        sample=1.0,
        work=tmp_path / "scale",
        database_url=None,
        log=lambda _line: None,
    )

    for step in ("files", "play", "report"):
        assert result[step]["exit"] == 0 and result[step]["seconds"] > 0
        assert result[step]["peak_rss_mib"] > 0
    assert result["time_by_step"].startswith("time by step: import")
    head = result["headline"]
    assert head["participants"]["value"] is not None and head["participants"]["target"] == 300
    assert head["top_province"]["target"] == "Guangdong"
    assert set(head) >= {"women_pct", "under_28_pct", "avoided_t", "trees"}
    assert "play ÷ files (baseline)" in summary(result)
