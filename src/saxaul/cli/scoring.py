"""``saxaul score``: score (or restate) events stored as Parquet with the programme's packs.

Why a command of its own: scoring files needs no database, only the configured programme
(``SAXAUL_PACKS``, ``SAXAUL_ACTIVITY_PACKS``); ``--engine spark`` runs the same kernel as a
PySpark job for spans one process should not hold (docs/spark.md). An archive's sealed payment
details are opened with the configured store's keys: the database of ``SAXAUL_DATABASE_URL``
when it is set, or the default SQLite file when it exists (``_store``); no store is created.
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
from saxaul.store.engine import is_sqlite

EVENTS_HELP = (
    "events as Parquet: an archive root (saxaul archive export; its events/month=YYYY-MM/ "
    "folders) or a directory of Parquet files, with columns row or dedupe_key (int64, unique), "
    "user_id, behaviour, occurred_at (timestamp) or occurred_at_us, quantity; optional "
    "amount_minor, attributes, credited_mg"
)


def _store(settings: Settings) -> str | None:
    """The database whose keys open an archive's sealed columns: the one configured, if any
    (an unset URL counts only if its SQLite file is there; none is created to be empty)."""
    url = settings.database_url
    if "database_url" in settings.model_fields_set:
        return url
    path = Path(url.removeprefix("sqlite:///"))
    return url if is_sqlite(url) and path.is_file() else None


def score(
    events: Annotated[Path, typer.Option("--events", help=EVENTS_HELP)],
    out: Annotated[Path, typer.Option(help="output directory (its outputs are replaced)")],
    participants: Annotated[
        Path | None,
        typer.Option(
            help="Parquet file or directory: user_id, consent_at (or consent_at_us), optional "
            "withdrawn_at (or withdrawn_at_us), optional consent_scopes (then only 'scoring' "
            "scores); users without consent_at never score. Default with an archive: its own"
        ),
    ] = None,
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
        _store(settings),
    )
    try:
        if restate is not None:
            restated = restate_files(request, restate, settings.packs, settings.activity_packs)
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
        _unopened(console, summary.sealed_unopened)
        return
    lines = restated.lines
    if as_json:
        print_json({"lines": lines.to_dicts(), "sealed_unopened": restated.sealed_unopened})
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
    _unopened(console, restated.sealed_unopened)


def _unopened(console: Console, count: int) -> None:
    if count:
        console.print(
            f"{count:,} events had sealed payment details no key opened (erased participants, "
            "or no store configured): scored without them"
        )
