"""Ingest benchmark: ``python bench/ingest.py [--events N] [--users U] [--json]``.

Same as ``saxaul bench ingest``; see ``saxaul.sim.bench`` for what is measured and why.
"""

from __future__ import annotations

import argparse
import json

from saxaul.sim.bench import run_ingest_bench


def main() -> None:
    """Parse arguments, run, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--chunk-rows", type=int, default=None)
    args = parser.parse_args()
    result = run_ingest_bench(
        events=args.events,
        users=args.users,
        postgres_url=args.postgres_url or None,
        chunk_rows=args.chunk_rows,
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
