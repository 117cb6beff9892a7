"""The ledger benchmark's summary table (the machine and durability blocks every benchmark
prints live in ``saxaul.loadtest.machine``)."""

from __future__ import annotations

from typing import Any


def format_ledger_summary(result: dict[str, Any]) -> str:
    """The ledger figures as a plain-text table: one line per engine × mode × distribution."""
    tps = result.get("pgbench", {}).get("tps")
    lines = [
        f"pgbench TPC-B: {tps} tps" if tps else "pgbench: not run",
        f"{'engine':<11}{'mode':<14}{'players':<9}{'ops/s':>10}{'applied/s':>11}"
        f"{'refused/s':>11}{'× pgbench':>11}{'p50 ms':>9}{'p99 ms':>9}",
    ]
    for engine, run in result.get("engines", {}).items():
        for mode, by_dist in run.get("cells", {}).items():
            for dist, f in by_dist.items():
                ratio = f.get("ops_per_s_vs_pgbench")
                lines.append(
                    f"{engine:<11}{mode:<14}{dist:<9}{f['ops_per_s']:>10,.0f}"
                    f"{f['applied_per_s']:>11,.0f}{f['refused_per_s']:>11,.0f}"
                    f"{'' if ratio is None else f'{ratio:.2f}':>11}"
                    f"{f['call_ms_p50'] or 0:>9.1f}{f['call_ms_p99'] or 0:>9.1f}"
                )
        if "unavailable" in run.get("http_setup", {}):
            lines.append(f"{engine:<11}http          not run: {run['http_setup']['unavailable']}")
    return "\n".join(lines)
