"""``saxaul partitions ensure|list|archive``: PostgreSQL's monthly partitions of events, awards
and ledger transfers (docs/partitioning.md).

Why commands beside the scheduled job: ``ensure`` runs on every jobs tick, but an operator who
runs no server (imports from cron) runs it from cron too; ``archive`` retires closed months and
is the operator's decision, never a job's. On SQLite each says there is nothing to do.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from saxaul.cli.common import JsonOpt, fail, print_json, runtime
from saxaul.domain.errors import DomainError
from saxaul.services.partitions import archive_partitions, ensure_partitions, list_partitions

partitions_app = typer.Typer(
    help="PostgreSQL's monthly partitions: make, list, archive.", no_args_is_help=True
)


@partitions_app.command("ensure")
def partitions_ensure(as_json: JsonOpt = False) -> None:
    """Make this month's partitions and SAXAUL_PARTITION_MONTHS_AHEAD more where missing."""
    made = ensure_partitions(runtime())
    if as_json:
        print_json({"made": made})
        return
    Console().print(f"made {len(made)} partition(s){': ' + ', '.join(made) if made else ''}")


@partitions_app.command("list")
def partitions_list(as_json: JsonOpt = False) -> None:
    """Every partition with its exact rows and its size on disk."""
    found = list_partitions(runtime())
    if as_json:
        print_json(
            [dataclasses.asdict(p) | {"month": p.month and f"{p.month:%Y-%m}"} for p in found]
        )
        return
    if not found:
        Console().print("no partitions (SQLite is not partitioned)")
        return
    table = Table("table", "partition", "month", "rows", "MiB")
    for p in found:
        month = "default" if p.month is None else f"{p.month:%Y-%m}"
        table.add_row(p.table, p.name, month, f"{p.rows:,}", f"{p.bytes / 2**20:.1f}")
    Console().print(table)


@partitions_app.command("archive")
def partitions_archive(
    out: Annotated[Path, typer.Option(help="directory of the Parquet archive")],
    before: Annotated[
        dt.datetime,
        typer.Option(
            formats=["%Y-%m-%d"], help="archive every month before this local day's month"
        ),
    ],
    as_json: JsonOpt = False,
) -> None:
    """Export every closed month to the archive, verify its files (sha256, rows), then detach
    and drop its partitions; archived transfers leave each account's opening balance."""
    try:
        done = archive_partitions(runtime(), out, before.date())
    except DomainError as exc:
        fail(exc)
    if as_json:
        print_json({"before": done.before.isoformat(), "dropped": done.dropped})
        return
    rows = sum(done.dropped.values())
    Console().print(
        f"archived {len(done.dropped)} partition(s), {rows:,} rows, before {done.before} in {out}"
    )
