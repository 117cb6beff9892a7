"""The demo's scale step: the store's facts archived, then rescored out of the store by the
scoring kernel, exactly.

Why in the demo: beyond one machine, scoring runs where the events are (Parquet, Spark) rather
than in the store; a newcomer should see that the archive alone gives back the store's credit
to the milligram, month by month, before trusting a restatement computed that way.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
from rich.console import Console
from rich.markup import escape

from saxaul.config import Settings
from saxaul.services.archive import export_archive
from saxaul.services.file_scoring import ScoreRequest, restate_files
from saxaul.services.methodology import active_programme
from saxaul.services.runtime import Runtime

RESCORED_PACK = "ant-forest-2017"
"""The demo programme's pack whose events are rescored (the one scoring the simulated days)."""


def print_scale(console: Console, rt: Runtime, settings: Settings, out: Path) -> None:
    """Archive the store to ``out/archive``, restate it from there, print both sides."""
    manifest = export_archive(rt, out / "archive")
    events = manifest["tables"]["events"]
    console.print(
        f"archive · 归档 (format {manifest['format_version']}): {events['rows']:,} events in "
        f"{len(events['months'])} months → {escape(str(out / 'archive'))} "
        "(payment details sealed per participant)"
    )
    request = ScoreRequest(
        out / "archive", None, None, out / "restated", "polars", store=settings.database_url
    )
    programme = active_programme(settings.packs, settings.activity_packs)
    pack = next(p for p in programme.packs if p.id == RESCORED_PACK)
    lines = restate_files(request, pack.ref, settings.packs, settings.activity_packs).lines
    total = lines.select(pl.col("events", "stored_mg", "current_mg").sum())
    counted, stored, current = total.row(0)
    exact = lines.filter(pl.col("stored_mg") != pl.col("current_mg")).height == 0
    mark = "equal in every month to the milligram ✓" if exact else "a month differs ✗"
    console.print(
        f"rescored out of the store by the scoring kernel · 脱库重算: {counted:,} events, "
        f"avoided CO2 as stored {stored / 1e6:,.3f} kg, rescored under {pack.ref} "
        f"{current / 1e6:,.3f} kg: {mark} (a method change is restated the same way: "
        "saxaul score --restate REF)"
    )
    console.print(
        "the same on Spark: saxaul score --engine spark --events "
        f"{escape(str(out / 'archive'))} · live events: saxaul ingest stream (NATS JetStream) · "
        "PostgreSQL by month: saxaul partitions list"
    )
