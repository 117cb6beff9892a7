"""Benchmarks that print figures beside baselines measured in the same run (not shipped).

Run from the repository root, e.g. ``python -m bench.ingest``, ``python -m bench.ledger`` and
``python -m bench.http_game`` (see ``docs/benchmarks.md``). ``ledger_workload`` and
``ledger_http`` hold the ledger benchmark's worker threads and its httpx HTTP mode; ``report``
prints its summary table. What the benchmarks share with the shipped load test (``saxaul bench
http``) lives in the package, ``saxaul.loadtest``: the world, the move streams, the pgbench
anchor, the server subprocess, the machine and durability blocks, and the scratch databases of
the one PostgreSQL setting, ``SAXAUL_BENCH_POSTGRES_URL``.
"""
