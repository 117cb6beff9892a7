"""Ledger benchmark: ``python bench/ledger.py [--players N] [--seconds S] [--json]``.

Same as ``saxaul bench ledger``; see ``saxaul.sim.ledger_bench`` for what is measured and why.
Progress goes to stderr, the result to stdout (JSON with ``--json``, else a table).
"""

from __future__ import annotations

import argparse
import json
import sys

from saxaul.sim.ledger_bench import PG_DEFAULT, BenchConfig, format_summary, run_ledger_bench


def main() -> None:
    """Parse arguments, run, print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--players", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=10.0, help="per cell")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument(
        "--batch", type=int, action="append", help="moves per batch; repeat (default 1 and 100)"
    )
    parser.add_argument("--postgres-url", default=PG_DEFAULT, help="empty: SQLite only")
    parser.add_argument("--pgbench-seconds", type=int, default=30)
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    config = BenchConfig(
        players=args.players,
        seconds=args.seconds,
        threads=args.threads,
        batches=tuple(args.batch or (1, 100)),
        postgres_url=args.postgres_url or None,
        http=not args.skip_http,
        pgbench_seconds=args.pgbench_seconds,
    )
    result = run_ledger_bench(config, log=lambda line: print(line, file=sys.stderr, flush=True))
    print(json.dumps(result, indent=2) if args.json else format_summary(result))


if __name__ == "__main__":
    main()
