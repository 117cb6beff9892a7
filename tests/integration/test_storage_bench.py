"""The storage bench weighs a real store on both engines: every table, its rows, and the
participant-years they are divided by."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from bench.storage import YEAR_US, summary, weigh
from saxaul.services import imports, methodology, participants
from saxaul.services.runtime import Runtime
from saxaul.sim.scenario import write_scenario


def test_storage_bench_weighs_every_table_per_participant_year(
    runtime: Runtime, database_url: str, tmp_path: Path
) -> None:
    files = write_scenario(
        tmp_path / "data",
        users=200,
        events=3_000,
        days=3,
        seed=5,
        behaviours=methodology.scored_behaviours(runtime),
    )
    participants.import_participants(runtime, files[0])
    stored = sum(imports.import_events(runtime, path).new_events for path in files[1:])

    result = weigh(database_url, as_of=None)

    tables = result["tables"]
    assert result["participants"] == 200
    assert tables["events"]["rows"] == stored > 2_000
    assert tables["events"]["bytes"] > stored * 40  # a row can't be stored in less
    assert result["total_bytes"] == sum(table["bytes"] for table in tables.values())
    with runtime.db.engine.connect() as conn:
        first, last = conn.execute(
            sa.text("SELECT MIN(enrolled_at_us), MAX(enrolled_at_us) FROM participants")
        ).one()
        end = conn.execute(sa.text("SELECT MAX(occurred_at_us) FROM events")).scalar_one()
    years = [200 * (end - enrolled) / YEAR_US for enrolled in (last, first)]
    assert years[0] <= result["participant_years"] <= years[1] + 0.1
    per_year = result["total_bytes"] / result["participant_years"]
    assert abs(result["bytes_per_participant_year"] - per_year) <= per_year * 1e-3
    assert "bytes per participant-year" in summary(result)
