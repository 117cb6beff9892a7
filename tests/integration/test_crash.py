"""SIGKILL an import mid-way, again and again; the re-run's totals equal one clean import's."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

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
        before = _committed(crashed.engine)
        proc = _start(database_url, events)
        deadline = time.monotonic() + 60
        while _committed(crashed.engine) <= before and proc.poll() is None:
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
        assert snapshot(crashed.engine) == snapshot(clean.engine)
        if database_url.startswith("sqlite"):
            with crashed.engine.connect() as conn:
                assert conn.execute(sa.text("PRAGMA integrity_check")).scalar() == "ok"
    finally:
        clean.engine.dispose()
        crashed.engine.dispose()
