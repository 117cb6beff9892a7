"""SIGKILL an import mid-way, again and again; the re-run's totals equal one clean import's.

Two ways: at random moments (the OS decides where it lands), and at each named point of a run
(``crash_driver``): while claiming the import, right after a chunk commit, inside the
quarantine COPY, while marking it done, after a failure and while marking that failure.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from saxaul.bootstrap import bootstrap
from saxaul.config import Settings
from saxaul.services import imports, methodology, participants
from saxaul.sim.scenario import write_scenario
from tests.integration.totals import snapshot

CHUNK = 2_000
KILLS = 4


def _committed(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        value = conn.execute(
            sa.text("SELECT MAX(rows_committed) FROM imports WHERE kind = 'events'")
        ).scalar()
    return int(value or 0)


def _start(url: str, path: Path) -> subprocess.Popen[bytes]:
    env = os.environ | {"SAXAUL_DATABASE_URL": url, "SAXAUL_CHUNK_ROWS": str(CHUNK)}
    return subprocess.Popen(
        [sys.executable, "-m", "saxaul", "import", "--json", str(path)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.slow
def test_sigkilled_import_rerun_gives_clean_totals(database_url: str, tmp_path: Path) -> None:
    clean_url = f"sqlite:///{tmp_path / 'clean.db'}"
    clean = bootstrap(Settings(database_url=clean_url, chunk_rows=CHUNK))
    scored = methodology.scored_behaviours(clean)
    files = write_scenario(
        tmp_path / "data", users=2_000, events=40_000, days=1, seed=9, fmt="csv", behaviours=scored
    )
    people, events = files[0], files[1]
    participants.import_participants(clean, people)
    imports.import_events(clean, events)

    crashed = bootstrap(Settings(database_url=database_url, chunk_rows=CHUNK))
    participants.import_participants(crashed, people)
    rng = random.Random(7)
    kills = 0
    for _ in range(KILLS):
        before = _committed(crashed.db.engine)
        proc = _start(database_url, events)
        deadline = time.monotonic() + 60
        while _committed(crashed.db.engine) <= before and proc.poll() is None:
            assert time.monotonic() < deadline, "import made no progress"
            time.sleep(0.01)
        time.sleep(rng.uniform(0, 0.05))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
    final = _start(database_url, events)
    assert final.wait(timeout=300) == 0

    try:
        assert kills >= 2, "the import finished before it could be killed; make the file larger"
        assert snapshot(crashed.db.engine) == snapshot(clean.db.engine)
        if database_url.startswith("sqlite"):
            with crashed.db.engine.connect() as conn:
                assert conn.execute(sa.text("PRAGMA integrity_check")).scalar() == "ok"
    finally:
        clean.db.dispose()
        crashed.db.dispose()


def _env(url: str) -> dict[str, str]:
    return os.environ | {"SAXAUL_DATABASE_URL": url, "SAXAUL_CHUNK_ROWS": str(CHUNK)}


def _with_nul_rows(path: Path) -> Path:
    """Every 997th event gets a NUL in its id: each chunk quarantines a few rows."""
    frame = pl.read_csv(path, infer_schema=False)
    broken = pl.int_range(pl.len()) % 997 == 0
    frame.with_columns(
        pl.when(broken).then(pl.col("event_id") + "\x00").otherwise(pl.col("event_id"))
    ).write_csv(path)
    return path


def _drive(url: str, point: str, nth: int, path: Path) -> int:
    driver = [sys.executable, "-m", "tests.integration.crash_driver", point, str(nth), str(path)]
    done = subprocess.run(driver, env=_env(url), capture_output=True, timeout=120, check=False)
    assert done.returncode in (-signal.SIGKILL, 1), done.stderr.decode()[-2000:]
    return done.returncode


def _imports(engine: sa.Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        found = conn.execute(sa.text("SELECT status, rows_committed, error FROM imports"))
        return [tuple(row) for row in found]


@pytest.mark.slow
def test_killed_at_every_point_then_rerun_gives_clean_totals(
    database_url: str, tmp_path: Path
) -> None:
    clean = bootstrap(Settings(database_url=f"sqlite:///{tmp_path / 'clean.db'}", chunk_rows=CHUNK))
    scored = methodology.scored_behaviours(clean)
    files = write_scenario(
        tmp_path / "data", users=500, events=8_000, days=1, seed=3, fmt="csv", behaviours=scored
    )
    people, events = files[0], _with_nul_rows(files[1])
    participants.import_participants(clean, people)
    imports.import_events(clean, events)
    crashed = bootstrap(Settings(database_url=database_url, chunk_rows=CHUNK))
    participants.import_participants(crashed, people)

    try:
        assert _drive(database_url, "claim", 1, events) == -signal.SIGKILL
        assert [r for r in _imports(crashed.db.engine) if r[0] != "done"] == []
        steps = [
            ("committed", 1, ("running", CHUNK)),
            ("quarantine", 1, ("running", CHUNK)),
            ("fail", 1, ("failed", CHUNK)),
            ("marking", 2, ("running", 2 * CHUNK)),
            ("finish", 1, ("running", 8_000)),
        ]
        for point, nth, expected in steps:
            _drive(database_url, point, nth, events)
            [state] = [r for r in _imports(crashed.db.engine) if r[0] != "done" or r[1] == 8_000]
            assert state[:2] == expected, (point, state)
            assert (state[2] is not None) == (expected[0] == "failed")
        final = subprocess.run(
            [sys.executable, "-m", "saxaul", "import", "--json", str(events)],
            env=_env(database_url),
            capture_output=True,
            timeout=120,
            check=True,
        )

        report = json.loads(final.stdout)
        assert re.match(r"resumed import \d+ at row 8,000 \(chunk 5\) after run ", report["run"])
        assert snapshot(crashed.db.engine) == snapshot(clean.db.engine)
        assert snapshot(crashed.db.engine)["quarantine"] == [("invalid_value", 9)]
    finally:
        clean.db.dispose()
        crashed.db.dispose()
