"""The impact report's wall time and peak memory: chunked over the store, from the Parquet
archive, and a baseline reading whole tables, each in a fresh process.

    python -m bench.impact_report [--participants 20000] [--chunk-rows 50000]
    python -m bench.impact_report --database-url URL --from 2016-08-01 --to 2017-01-31
    python -m bench.impact_report --keep var/impact-bench   # build once, measure again later

Without ``--database-url`` it builds a SQLite store the way ``saxaul simulate --pilot --play``
does (the calibrated pilot's participants, friendships and daily events played through the real
services: imports, minting, collecting, stealing, watering, planting), for the scenario's
period. It then exports the archive (``saxaul archive export``) and runs the report three ways,
each in a spawned child so that its peak RSS (``ru_maxrss``) is its own:

- ``store``: ``services.impact.impact_report``, chunks of ``--chunk-rows`` rows (Arrow batches);
- ``archive``: the same report from the archive (``pl.scan_parquet``, streaming engine);
- ``whole_tables``: the baseline, the same Polars rules over every input read whole into memory
  first (``WholeTables`` below), on the same kind of connection as ``store``.

Peak RSS is measured from after start-up: the child resets its peak (Linux ``clear_refs``)
once bootstrapped, so "grew" is the report's own. The three documents must be byte-identical
(their sha256 is printed); ratios are against the chunked store path. The JSON goes to stdout,
a summary to stderr.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import multiprocessing
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from saxaul.bootstrap import bootstrap
from saxaul.config import Settings
from saxaul.loadtest.machine import machine
from saxaul.services import methodology
from saxaul.services.archive import export_archive
from saxaul.services.impact import impact_report, pipeline_snapshot, report_over
from saxaul.services.pipeline import liability_summary
from saxaul.sim.clock import DemoClock
from saxaul.sim.pilot import write_pilot
from saxaul.sim.pilot_play import play_pilot
from saxaul.sim.pilot_scenario import load_scenario
from saxaul.store.bulk import BulkConnection
from saxaul.store.report_reads import InputName, Range, read
from saxaul.store.uow import bulk_snapshot

Log = Callable[[str], None]
PATHS = ("store", "archive", "whole_tables")


@dataclasses.dataclass
class WholeTables:
    """The baseline's inputs: each table read whole (one Arrow result) on first use and kept,
    then filtered in memory — what the report would hold without chunks."""

    bulk: BulkConnection
    tables: dict[str, pl.DataFrame] = dataclasses.field(default_factory=dict)

    def frames(
        self, name: InputName, where: Range | None, kinds: Sequence[str] = ()
    ) -> Iterator[pl.LazyFrame]:
        if name not in self.tables:
            self.tables[name] = pl.concat(list(read(self.bulk, name, None, None, kinds=kinds)))
        frame = self.tables[name].lazy()
        yield frame if where is None else frame.filter(where.holds())


def build_store(work: Path, participants: int, seed: int, log: Log) -> tuple[str, dt.date, dt.date]:
    """A SQLite store of the pilot played at ``participants``; its URL and the period."""
    scenario = load_scenario()
    clock = DemoClock(dt.datetime.combine(scenario.start, dt.time(), tzinfo=dt.UTC))
    url = f"sqlite:///{work / 'impact.db'}"
    rt = bootstrap(Settings(database_url=url), clock=clock)
    try:
        files = write_pilot(
            work / "files",
            scenario,
            users=participants,
            days=scenario.days,
            start=None,
            seed=seed,
            behaviours=methodology.scored_behaviours(rt),
        )
        log(f"playing {participants:,} participants × {scenario.days} days …")
        play_pilot(rt, clock, scenario, files, seed=seed)
    finally:
        rt.db.dispose()
    return url, scenario.start, scenario.start + dt.timedelta(days=scenario.days - 1)


def _peak_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: kibibytes


def _reset_peak() -> int:
    """Start the peak RSS afresh from the current RSS (Linux: ``clear_refs`` 5) so that what
    bootstrapping touched does not hide the report's own peak; the current RSS in bytes."""
    with contextlib.suppress(OSError):  # not Linux, or not allowed: the peak includes start-up
        Path("/proc/self/clear_refs").write_text("5")
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return _peak_bytes()


def measure(
    path: str, url: str, archive: str, start: dt.date, end: dt.date, chunk_rows: int
) -> dict[str, Any]:
    """One report (or the export) in this process: seconds, peak RSS, the document's sha256."""
    rt = dataclasses.replace(bootstrap(Settings(database_url=url)), chunk_rows=chunk_rows)
    try:
        at_start = _reset_peak()
        began = time.perf_counter()
        outcome: Any
        if path == "export":
            manifest = export_archive(rt, Path(archive))
            outcome = {name: t["rows"] for name, t in manifest["tables"].items()}
        else:
            if path == "store":
                doc = impact_report(rt, start, end)
            elif path == "archive":
                doc = impact_report(rt, start, end, archive=Path(archive))
            else:
                pipeline = pipeline_snapshot(liability_summary(rt))
                with rt.db.bulk(lookups=True) as bulk, bulk_snapshot(bulk):
                    doc = report_over(rt, start, end, WholeTables(bulk), pipeline)
            text = json.dumps(doc, ensure_ascii=False, indent=2)
            outcome = hashlib.sha256(text.encode()).hexdigest()
        seconds = time.perf_counter() - began
    finally:
        rt.db.dispose()
    peak = _peak_bytes()
    return {
        "seconds": round(seconds, 3),
        "peak_rss_mib": round(peak / (1 << 20), 1),
        "rss_at_start_mib": round(at_start / (1 << 20), 1),  # after bootstrap
        "grew_mib": round((peak - at_start) / (1 << 20), 1),
        "result": outcome,
    }


def _in_child(*args: Any) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
        return pool.submit(measure, *args).result()


def _row_counts(url: str) -> dict[str, int]:
    with BulkConnection(url) as bulk:
        return {
            table: int(bulk.scalar(f"SELECT count(*) FROM {table}"))
            for table in ("participants", "events", "awards", "ledger_transfers", "trees")
        }


def run_impact_bench(
    *,
    participants: int,
    chunk_rows: int,
    database_url: str | None = None,
    period: tuple[dt.date, dt.date] | None = None,
    seed: int = 7,
    keep: Path | None = None,
    log: Log = print,
) -> dict[str, Any]:
    """Build (or take) a store, export its archive, time the report three ways. ``keep``: build
    the store in this directory and keep it (a store already there is reused)."""
    with tempfile.TemporaryDirectory(prefix="saxaul-impact-bench-") as tmp:
        work = Path(tmp)
        began = time.perf_counter()
        if database_url is None and keep is not None and (keep / "impact.db").exists():
            scenario = load_scenario()
            database_url = f"sqlite:///{keep / 'impact.db'}"
            period = period or (
                scenario.start,
                scenario.start + dt.timedelta(days=scenario.days - 1),
            )
        if database_url is None:
            if keep is not None:
                keep.mkdir(parents=True, exist_ok=True)
            url, start, end = build_store(keep or work, participants, seed, log)
        else:
            assert period is not None, "a given store needs its period"
            url, (start, end) = database_url, period
        result: dict[str, Any] = {
            "machine": machine(),
            "period": [start.isoformat(), end.isoformat()],
            "chunk_rows": chunk_rows,
            "rows": _row_counts(url),
            "store_built_s": round(time.perf_counter() - began, 1),
        }
        archive = str(work / "archive")
        log("exporting the archive …")
        result["export"] = _in_child("export", url, archive, start, end, chunk_rows)
        result["archive_mib"] = round(
            sum(p.stat().st_size for p in Path(archive).rglob("*.parquet")) / (1 << 20), 1
        )
        for path in PATHS:
            log(f"report: {path} …")
            result[path] = _in_child(path, url, archive, start, end, chunk_rows)
            log(f"  {result[path]}")
    base = result["store"]
    result["same_document"] = len({result[p]["result"] for p in PATHS}) == 1
    result["ratios_vs_store"] = {
        p: {
            "seconds": round(result[p]["seconds"] / base["seconds"], 2),
            "grew_mib": round(result[p]["grew_mib"] / max(base["grew_mib"], 0.1), 2),
        }
        for p in PATHS[1:]
    }
    return result


def summary(result: dict[str, Any]) -> str:
    """The figures as a plain-text table."""
    lines = [
        f"rows: {result['rows']}; chunk_rows {result['chunk_rows']:,}; "
        f"archive {result['archive_mib']} MiB; same document: {result['same_document']}",
        f"{'path':<14}{'seconds':>9}{'peak MiB':>10}{'grew MiB':>10}",
    ]
    for path in ("export", *PATHS):
        f = result[path]
        lines.append(
            f"{path:<14}{f['seconds']:>9.2f}{f['peak_rss_mib']:>10.1f}{f['grew_mib']:>10.1f}"
        )
    return "\n".join(lines)


def main() -> None:
    """Parse arguments, run, print JSON (stdout) and a summary (stderr)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--participants", type=int, default=20_000)
    parser.add_argument("--chunk-rows", type=int, default=50_000)
    parser.add_argument("--database-url", default=None, help="an existing store to report on")
    parser.add_argument("--from", dest="start", type=dt.date.fromisoformat, default=None)
    parser.add_argument("--to", dest="end", type=dt.date.fromisoformat, default=None)
    parser.add_argument("--keep", type=Path, default=None, help="build the store here; reuse it")
    args = parser.parse_args()
    log: Log = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    period = None if args.start is None or args.end is None else (args.start, args.end)
    result = run_impact_bench(
        participants=args.participants,
        chunk_rows=args.chunk_rows,
        database_url=args.database_url,
        period=period,
        keep=args.keep,
        log=log,
    )
    print(json.dumps(result, indent=2))
    log(summary(result))


if __name__ == "__main__":
    main()
