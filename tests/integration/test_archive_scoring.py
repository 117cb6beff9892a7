"""Restatement over the archive is exact: a programme played into the store, exported
(``saxaul archive export``) and scored again from the archive alone gives the store's awards to
the milligram per (user, behaviour, day); erasure makes a participant's sealed payment details
unreadable in the archive while their awards that need none rescore the same; on both stores."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import func, select

from saxaul.reports.archive import ArchiveInputs
from saxaul.scoring.table import BehaviourTable
from saxaul.scoring_jobs.spark import SparkRunner
from saxaul.services.archive import export_archive
from saxaul.services.erasure import erase_participant
from saxaul.services.file_scoring import ScoreRequest, ScoreSummary, score_files
from saxaul.services.imports import import_events
from saxaul.services.participants import import_participants
from saxaul.services.runtime import Runtime
from saxaul.sim.scenario import write_scenario
from saxaul.store import personal_keys_repo
from saxaul.store.tables import awards

AWARD_KEY = ["user_id", "behaviour", "day"]


def _play(rt: Runtime, root: Path) -> Path:
    """60 participants' 900 events over 3 days imported and scored; the archive exported."""
    behaviours = BehaviourTable.from_packs(rt.packs, dict(rt.choices)).behaviour_ids
    people, *days = write_scenario(
        root / "files", users=60, events=900, days=3, seed=5, behaviours=behaviours
    )
    import_participants(rt, people)
    for day in days:
        import_events(rt, day)
    archive = root / "archive"
    export_archive(rt, archive)
    return archive


def _stored_awards(rt: Runtime) -> pl.DataFrame:
    with rt.db.reading() as conn:
        rows = conn.execute(
            select(
                awards.c.user_id, awards.c.behaviour, awards.c.day, func.sum(awards.c.avoided_mg)
            ).group_by(awards.c.user_id, awards.c.behaviour, awards.c.day)
        ).all()
    return pl.DataFrame(
        [tuple(r) for r in rows],
        schema={"user_id": pl.String, "behaviour": pl.String, "day": pl.Int64, "mg": pl.Int64},
        orient="row",
    ).sort(AWARD_KEY)


def _scored_awards(out: Path) -> pl.DataFrame:
    frame = pl.read_parquet(out / "awards" / "*.parquet")
    by_day = frame.group_by(AWARD_KEY).agg(mg=pl.col("avoided_mg").sum())
    return by_day.with_columns(pl.col("day").cast(pl.Int64)).sort(AWARD_KEY)


def _score(rt: Runtime, archive: Path, out: Path, *, keys: bool = True) -> ScoreSummary:
    """The archive scored with the Polars engine, its sealed columns opened with the store's
    keys (``keys``) or with none."""
    store = rt.db.url if keys else None
    return score_files(ScoreRequest(archive, None, None, out, "polars", store=store), "", "")


def _payment_free(rt: Runtime) -> list[str]:
    """Behaviours whose rule reads neither an amount nor attributes."""
    table = BehaviourTable.from_packs(rt.packs, dict(rt.choices)).frame
    free = table.filter(pl.col("min_amount_minor").is_null(), ~pl.col("attribute_rules"))
    return sorted(free["behaviour"])


def test_scoring_the_archive_gives_the_stores_awards_to_the_milligram(
    runtime: Runtime, tmp_path: Path
) -> None:
    archive = _play(runtime, tmp_path)
    stored = _stored_awards(runtime)

    summary = _score(runtime, archive, tmp_path / "out")

    assert summary.sealed_unopened == 0
    assert summary.awards == stored.height > 50
    assert _scored_awards(tmp_path / "out").equals(stored)
    assert set(stored["behaviour"]) - set(_payment_free(runtime)), "some awards needed them"
    # without the store's keys the details are missing, and the rules that need them see so
    keyless = _score(runtime, archive, tmp_path / "keyless", keys=False)
    assert keyless.sealed_unopened > 0
    assert keyless.credited_mg < summary.credited_mg


def test_after_erasure_the_archive_forgets_the_payments_but_awards_rescore(
    runtime: Runtime, tmp_path: Path
) -> None:
    archive = _play(runtime, tmp_path)
    stored = _stored_awards(runtime)
    free = _payment_free(runtime)
    erased = (
        stored.filter(pl.col("behaviour").is_in(free))
        .group_by("user_id")
        .agg(pl.col("behaviour").n_unique())
        .sort("behaviour", "user_id", descending=[True, False])["user_id"][0]
    )
    sealed = pl.read_parquet(archive / "events" / "**" / "*.parquet", hive_partitioning=False)
    theirs = sealed.filter(pl.col("user_id") == erased, pl.col("payment").is_not_null()).height
    assert theirs > 0, "the erased participant had payment details in the archive"
    assert "amount_minor" not in sealed.columns, "the archive holds payment details only sealed"

    erase_participant(runtime, erased, "test")

    with runtime.db.bulk(lookups=True) as bulk:
        opened = ArchiveInputs.open(archive, lambda ids: personal_keys_repo.keys_of(bulk, ids))
        payments = opened.payments()
    assert payments.unopened == theirs
    summary = _score(runtime, archive, tmp_path / "out")
    assert summary.sealed_unopened == theirs
    scored = _scored_awards(tmp_path / "out")
    others = pl.col("user_id") != erased
    assert scored.filter(others).equals(stored.filter(others))
    mine = (pl.col("user_id") == erased) & pl.col("behaviour").is_in(free)
    assert scored.filter(mine).height > 0
    assert scored.filter(mine).equals(stored.filter(mine)), "rules without payment details"


@pytest.mark.slow
def test_spark_scores_the_archive_as_the_store_did(
    runtime: Runtime, tmp_path: Path, spark: SparkRunner
) -> None:
    archive = _play(runtime, tmp_path)
    request = ScoreRequest(
        archive, None, None, tmp_path / "spark", "spark", partitions=4, store=runtime.db.url
    )

    summary = score_files(request, "", "", runner=spark)

    assert summary.sealed_unopened == 0
    assert _scored_awards(tmp_path / "spark").equals(_stored_awards(runtime))
