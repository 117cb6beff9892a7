"""The impact report over the store in chunks of any size and over the Parquet archive
gives the same document; the archive is partitioned, idempotent and described by its manifest
(both engines, on the hand-built world of ``test_impact_report``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from saxaul.domain.errors import InputRejected
from saxaul.services.archive import export_archive
from saxaul.services.impact import impact_report
from saxaul.services.runtime import Runtime
from tests.conftest import FakeClock
from tests.integration.test_impact_report import NOV, OCT, world


def as_text(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2)


def test_chunked_whole_and_archived_reports_are_the_same_document(
    runtime: Runtime, tmp_path: Path, clock: FakeClock
) -> None:
    world(runtime, tmp_path, clock)
    archive = tmp_path / "archive"
    export_archive(runtime, archive)

    for k in (1, 2):
        rt = dataclasses.replace(runtime, report_min_cell=k)
        whole = as_text(impact_report(rt, OCT, NOV))  # every input fits one chunk
        in_pairs = dataclasses.replace(rt, chunk_rows=2)
        assert as_text(impact_report(in_pairs, OCT, NOV)) == whole
        assert as_text(impact_report(rt, OCT, NOV, archive=archive)) == whole
    # the figures are not all zero: the comparison compares something
    assert '"avoided_t": 0.000208' in whole and '"stolen_g": 46' in whole


def test_the_archive_is_partitioned_by_month_with_a_true_manifest(
    runtime: Runtime, tmp_path: Path, clock: FakeClock
) -> None:
    world(runtime, tmp_path, clock)
    archive = tmp_path / "archive"

    manifest = export_archive(runtime, archive)

    tables = manifest["tables"]
    assert tables["participants"] == {"partitioned_by": None, "rows": 6}
    # a1 rode once in September and twice in October, a2 once each month, a3 thrice, a5 four
    assert tables["events"]["months"] == {"2026-09": 1, "2026-10": 3, "2026-11": 8}
    # the transfers the report reads: awards minted in November, a steal and a collect
    assert tables["transfers"]["months"] == {"2026-11": tables["transfers"]["rows"]}
    assert manifest["files"], "every file is listed"
    for path, entry in manifest["files"].items():
        data = (archive / path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert pl.read_parquet(archive / path).height == entry["rows"]
    on_disk = {p.relative_to(archive).as_posix() for p in archive.rglob("*.parquet")}
    assert on_disk == set(manifest["files"])
    events = pl.read_parquet(archive / "events" / "month=2026-10")
    assert sorted(events["user_id"]) == ["a1", "a1", "a2"]


def test_re_export_replaces_only_the_months_it_writes(
    runtime: Runtime, tmp_path: Path, clock: FakeClock
) -> None:
    world(runtime, tmp_path, clock)
    archive = tmp_path / "archive"

    first = export_archive(runtime, archive, dt.date(2026, 11, 1))
    assert first["tables"]["events"]["months"] == {"2026-09": 1, "2026-10": 3}
    assert first["last_export"] == {"before": "2026-11-01"}
    assert first["tables"]["transfers"]["rows"] == 0
    stray = archive / "events" / "month=2026-10" / "stray.parquet"
    stray.write_bytes(b"not ours")

    second = export_archive(runtime, archive)
    third = export_archive(runtime, archive)

    assert second["tables"]["events"]["months"] == {"2026-09": 1, "2026-10": 3, "2026-11": 8}
    assert third == second, "the same store exports the same bytes"
    assert not stray.exists(), "a month written again is replaced whole"
    assert not list(archive.glob(".staging-*"))
    fresh = export_archive(runtime, tmp_path / "fresh")
    assert fresh["files"] == second["files"]


def test_an_export_into_an_archive_of_another_format_is_refused(
    runtime: Runtime, tmp_path: Path
) -> None:
    """Months it would not write again would keep the old format under a new manifest."""
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "manifest.json").write_text(json.dumps({"format_version": 2}))

    with pytest.raises(InputRejected, match="format 2, not 3") as refused:
        export_archive(runtime, archive)

    assert refused.value.code == "invalid_archive"
    assert not (archive / "events").exists()
