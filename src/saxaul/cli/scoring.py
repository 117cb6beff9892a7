"""``saxaul score``: score (or restate) events stored as Parquet with the programme's packs.

Why a command of its own: scoring files needs no database, only the configured programme
(``SAXAUL_PACKS``, ``SAXAUL_ACTIVITY_PACKS``); ``--engine spark`` runs the same kernel as a
PySpark job for spans one process should not hold (docs/spark.md).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from saxaul.cli.common import JsonOpt, fail, print_json
from saxaul.config import Settings
from saxaul.domain.errors import DomainError
from saxaul.services.file_scoring import ScoreRequest, restate_files, score_files

EVENTS_HELP = (
    "events as Parquet: an archive root (saxaul archive export; its events/month=YYYY-MM/ "
    "folders) or a directory of Parquet files, with columns row or dedupe_key (int64, unique), "
    "user_id, behaviour, occurred_at (timestamp) or occurred_at_us, quantity; optional "
    "amount_minor, attributes, credited_mg"
)


def score(
    events: Annotated[Path, typer.Option("--events", help=EVENTS_HELP)],
    participants: Annotated[
        Path,
        typer.Option(
            help="Parquet file or directory: user_id, consent_at (or consent_at_us), optional "
            "withdrawn_at (or withdrawn_at_us); users without consent_at never score"
        ),
    ],
    out: Annotated[Path, typer.Option(help="output directory (its outputs are replaced)")],
    engine: Annotated[
        str, typer.Option(help="polars (in this process) or spark (a PySpark job)")
    ] = "polars",
    master: Annotated[
        str, typer.Option(help="Spark master: local[N] or spark://host:port")
    ] = "local[2]",
    partitions: Annotated[
        int, typer.Option(min=1, help="Spark partitions events are hashed into by user")
    ] = 8,
    prior: Annotated[
        Path | None, typer.Option(help="prior cap usage as Parquet (an earlier run's usage/)")
    ] = None,
    restate: Annotated[
        str | None,
        typer.Option(
            help="candidate pack id@version or pack.toml: instead of scoring, report old vs new "
            "credited mg per (behaviour, month)"
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Score events with the programme's packs; write events, awards and usage as Parquet
    under OUT (or, with --restate, OUT/restatement)."""
    if engine not in ("polars", "spark"):
        Console(stderr=True).print(f"--engine must be polars or spark, not {engine!r}")
        raise typer.Exit(code=2)
    settings = Settings()
    request = ScoreRequest(
        events,
        participants,
        prior,
        out,
        "spark" if engine == "spark" else "polars",
        master,
        partitions,
    )
    try:
        if restate is not None:
            lines = restate_files(request, restate, settings.packs, settings.activity_packs)
        else:
            summary = score_files(request, settings.packs, settings.activity_packs)
    except DomainError as exc:
        fail(exc)
    console = Console()
    if restate is None:
        if as_json:
            print_json(dataclasses.asdict(summary))
            return
        console.print(
            f"{summary.engine}: {summary.events:,} events ({summary.scored:,} scored), "
            f"{summary.awards:,} awards, {summary.credited_mg / 1000:,.3f} g credited in "
            f"{summary.seconds:.2f} s; outputs in {out}"
        )
        return
    if as_json:
        print_json(lines.to_dicts())
        return
    table = Table(
        "behaviour", "month", "events", "stored g", "current g", "candidate g", "change g"
    )
    for row in lines.iter_rows(named=True):
        table.add_row(
            row["behaviour"],
            row["month"],
            f"{row['events']:,}",
            f"{row['stored_mg'] / 1000:,.1f}",
            f"{row['current_mg'] / 1000:,.1f}",
            f"{row['candidate_mg'] / 1000:,.1f}",
            f"{(row['candidate_mg'] - row['stored_mg']) / 1000:+,.1f}",
        )
    console.print(table)
    console.print(f"restatement in {out / 'restatement'}: nothing else was written")
