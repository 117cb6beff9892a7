"""Benchmarks that print figures beside baselines measured in the same run (not shipped).

Run from the repository root, e.g. ``python -m bench.ingest`` and ``python -m bench.ledger``
(see ``docs/benchmarks.md``). ``ingest`` and ``ledger`` are the entry points; ``ledger_world``,
``ledger_workload`` and ``ledger_http`` hold the ledger benchmark's set-up, move streams and
HTTP mode; ``pgbench_anchor`` runs pgbench beside it; ``report`` says what machine and
durability a figure was measured on; ``scratch`` gives each measurement a fresh database and
reads the one PostgreSQL setting, ``SAXAUL_BENCH_POSTGRES_URL``.
"""
