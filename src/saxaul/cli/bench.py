"""``saxaul bench``: load tests an operator runs against a throw-away PostgreSQL schema.

``saxaul bench http`` builds a world of demo players, starts the real server and drives it
with cheap asyncio clients (``saxaul.loadtest.http_game``); progress goes to stderr, the
figures to stdout (a table, or one JSON object with ``--json``). Exit 1 when a request failed
or the ledger audit found a gram out of place: those figures are void.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from saxaul.loadtest.http_game import HttpBenchConfig, run_http_bench
from saxaul.loadtest.scratch import POSTGRES_URL_ENV, postgres_url

bench_app = typer.Typer(
    help="Load tests on a fresh PostgreSQL schema (made and dropped by the run).",
    no_args_is_help=True,
)
_DEFAULT = HttpBenchConfig()


@bench_app.command("http")
def bench_http(
    clients: Annotated[
        list[int] | None,
        typer.Option(
            "--clients",
            min=1,
            help="concurrent clients, one keep-alive connection each; repeat for several "
            f"levels (default {' and '.join(map(str, _DEFAULT.clients))})",
        ),
    ] = None,
    seconds: Annotated[float, typer.Option(min=0.1, help="per clients level")] = _DEFAULT.seconds,
    players: Annotated[int, typer.Option(min=10)] = _DEFAULT.players,
    postgres: Annotated[
        str | None,
        typer.Option(
            "--postgres-url",
            help=f"the PostgreSQL server (default {POSTGRES_URL_ENV}, else the local one)",
            show_default=False,
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="server processes (`saxaul serve --workers`, if it has it)"),
    ] = None,
    pgbench_seconds: Annotated[
        int, typer.Option(min=0, help="pgbench TPC-B run beside it; 0: not run (no ratio)")
    ] = _DEFAULT.pgbench_seconds,
    pgbench_clients: Annotated[int, typer.Option(min=1)] = _DEFAULT.pgbench_clients,
    moves_per_visit: Annotated[
        int,
        typer.Option(
            min=1, help="moves a player makes in one sitting before the client turns to another"
        ),
    ] = _DEFAULT.moves_per_visit,
    seed: int = _DEFAULT.seed,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Game moves per second through the real server, beside pgbench's tps, then the audit."""
    config = HttpBenchConfig(
        players=players,
        clients=tuple(clients or _DEFAULT.clients),
        seconds=seconds,
        postgres_url=postgres or postgres_url(),
        workers=workers,
        pgbench_seconds=pgbench_seconds,
        pgbench_clients=pgbench_clients,
        moves_per_visit=moves_per_visit,
        seed=seed,
    )
    result = run_http_bench(config, log=lambda line: print(line, file=sys.stderr, flush=True))
    if as_json:
        sys.stdout.write(json.dumps(result, indent=2, default=str) + "\n")
    else:
        _print_levels(result)
    levels = result["levels"].values()
    if any(level["errors"] or not level["conserved"] for level in levels):
        raise typer.Exit(code=1)


def _print_levels(result: dict[str, Any]) -> None:
    """One plain line per clients level (plain so it reads the same in a pipe or a log)."""
    tps = result.get("pgbench", {}).get("tps")
    print(
        f"saxaul bench http: {result['config']['players']:,} players; pgbench TPC-B "
        + (f"{tps:,} tps" if tps else "not run")
    )
    print(
        f"{'clients':>8}{'moves/s':>10}{'applied/s':>11}{'refused/s':>11}{'× pgbench':>11}"
        f"{'p50 ms':>9}{'p99 ms':>9}{'p99.9 ms':>10}{'errors':>8}{'conserved':>11}"
    )
    for clients, level in result["levels"].items():
        ratio = level["ratio"]
        print(
            f"{clients:>8}{level['moves_per_s']:>10,.1f}{level['applied_per_s']:>11,.1f}"
            f"{level['refused_per_s']:>11,.1f}{'' if ratio is None else f'{ratio:.3f}':>11}"
            f"{level['p50_ms'] or 0:>9.1f}{level['p99_ms'] or 0:>9.1f}"
            f"{level['p99_9_ms'] or 0:>10.1f}{level['errors']:>8}"
            f"{'yes' if level['conserved'] else 'NO':>11}"
        )
