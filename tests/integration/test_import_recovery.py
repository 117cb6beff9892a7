"""An import is never stuck: failed runs are marked and re-run, dead owners are taken over."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from saxaul.domain.errors import Conflict
from saxaul.services import import_runs, imports
from saxaul.services.runtime import Runtime
from tests.conftest import FakeClock
from tests.integration.totals import snapshot

ROWS = 3_500  # four chunks of the runtime fixture's 1,000 rows


def _rides(path: Path) -> Path:
    rows = [
        {
            "event_id": f"r{i}",
            "source": "transit",
            "user_id": f"p{i % 40:07d}",
            "behaviour": "bus_ride" if i % 3 else "metro_ride",
            "occurred_at": f"2026-11-02T{8 + i % 12:02d}:{i % 60:02d}:00+08:00",
        }
        for i in range(ROWS)
    ]
    rows[1_500]["occurred_at"] = "yesterday"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _row(rt: Runtime, import_id: int) -> dict[str, Any]:
    with rt.db.engine.connect() as conn:
        found = conn.execute(sa.text(f"SELECT * FROM imports WHERE id = {import_id}"))
        return dict(found.mappings().one())


def _set_owner(rt: Runtime, import_id: int, owner: str, lease_until_us: int) -> None:
    with rt.db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE imports SET status = 'running', owner = :owner, lease_until_us = :lease "
                "WHERE id = :id"
            ),
            {"owner": owner, "lease": lease_until_us, "id": import_id},
        )


def _clean_totals(tmp_path: Path, clock: FakeClock) -> dict[str, Any]:
    from saxaul.bootstrap import bootstrap
    from saxaul.config import Settings

    clean = bootstrap(
        Settings(database_url=f"sqlite:///{tmp_path / 'clean.db'}", chunk_rows=1_000), clock=clock
    )
    try:
        imports.import_events(clean, _rides(tmp_path / "clean.ndjson"))
        return snapshot(clean.db.engine)
    finally:
        clean.db.dispose()


def _failing_on_chunk(n: int) -> Callable[..., Any]:
    real = imports.commit_chunk
    calls = iter(range(1, 1_000))

    def commit(*args: Any) -> Any:
        if next(calls) == n:
            raise RuntimeError("disk full\x00 (simulated)")
        return real(*args)

    return commit


def test_a_failed_import_is_marked_and_its_rerun_gives_clean_totals(
    runtime: Runtime, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _rides(tmp_path / "rides.ndjson")
    monkeypatch.setattr(imports, "commit_chunk", _failing_on_chunk(3))
    with pytest.raises(RuntimeError):
        imports.import_events(runtime, path)
    monkeypatch.undo()

    [failed] = import_runs.list_imports(runtime)
    assert (failed.status, failed.rows_committed, failed.owner) == ("failed", 2_000, None)
    assert failed.error == "RuntimeError: disk full\u2400 (simulated)"

    again = imports.import_events(runtime, path)

    assert again.run.startswith(f"re-running failed import {failed.id} at row 2,000 (chunk 3)")
    assert again.resumed_from_row == 2_000 and again.import_id == failed.id
    row = _row(runtime, failed.id)
    assert (row["status"], row["error"], row["owner"]) == ("done", None, None)
    assert snapshot(runtime.db.engine) == _clean_totals(tmp_path, clock)


def test_an_unreadable_file_is_marked_failed_with_the_reason(
    runtime: Runtime, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("event_id,source\ne1,app\n", encoding="utf-8")

    with pytest.raises(Exception, match="lacks required column"):
        imports.import_events(runtime, path)

    [failed] = import_runs.list_imports(runtime)
    assert failed.status == "failed"
    assert failed.error is not None and "lacks required column(s) user_id" in failed.error


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_a_run_whose_process_died_is_taken_over(
    runtime: Runtime, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _rides(tmp_path / "rides.ndjson")
    monkeypatch.setattr(imports, "commit_chunk", _failing_on_chunk(2))
    with pytest.raises(RuntimeError):
        imports.import_events(runtime, path)
    monkeypatch.undo()
    [first] = import_runs.list_imports(runtime)
    lease = int(clock.now().timestamp() * 1e6) + 3_600_000_000
    _set_owner(runtime, first.id, f"{socket.gethostname()}:{_dead_pid()}:gone", lease)

    again = imports.import_events(runtime, path)

    assert again.run.startswith(f"resumed import {first.id} at row 1,000 (chunk 2) after run ")
    assert _row(runtime, first.id)["status"] == "done"
    assert snapshot(runtime.db.engine) == _clean_totals(tmp_path, clock)


def test_a_live_owner_is_not_disturbed_until_its_lease_lapses(
    runtime: Runtime, tmp_path: Path, clock: FakeClock
) -> None:
    path = _rides(tmp_path / "rides.ndjson")
    done = imports.import_events(runtime, path)
    now_us = int(clock.now().timestamp() * 1e6)
    alive = f"{socket.gethostname()}:{os.getppid()}:busy"
    _set_owner(runtime, done.import_id, alive, now_us + runtime.import_lease_seconds * 10**6)

    with pytest.raises(Conflict, match=f"import {done.import_id} of this content is running"):
        imports.import_events(runtime, path)
    _set_owner(runtime, done.import_id, "elsewhere:1:busy", now_us + 10**6)
    with pytest.raises(Conflict):
        imports.import_events(runtime, path)
    clock.advance(seconds=2)
    again = imports.import_events(runtime, path)

    assert again.run.endswith("after its lease lapsed")
    assert again.new_events == 0


def test_a_run_that_was_taken_over_stops_without_writing(runtime: Runtime, tmp_path: Path) -> None:
    path = _rides(tmp_path / "rides.ndjson")
    seen: list[int] = []

    def usurp(rows: int) -> None:
        seen.append(rows)
        if len(seen) == 1:
            _set_owner(runtime, 1, "elsewhere:1:new-owner", 0)

    with pytest.raises(import_runs.ImportTakenOver):
        imports.import_events(runtime, path, progress=usurp)

    row = _row(runtime, 1)
    assert (row["status"], row["owner"], row["rows_committed"]) == (
        "running",
        "elsewhere:1:new-owner",
        1_000,
    )
    again = imports.import_events(runtime, path)
    assert again.run.startswith("resumed import 1 at row 1,000")
