"""Run one events import and SIGKILL this very process at a named point (for test_crash.py).

``python -m tests.integration.crash_driver POINT N FILE`` with SAXAUL_DATABASE_URL and
SAXAUL_CHUNK_ROWS set. Points: ``claim`` (import row written, not committed), ``committed``
(just after the N-th chunk commit), ``quarantine`` (N-th chunk's refused rows COPYed into the
stage, chunk not committed), ``finish`` (marked done, not committed), ``fail`` (the N-th chunk
raises: the run ends marked failed), ``marking`` (the N-th chunk raises, and the process dies
while marking the import failed).
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from saxaul.bootstrap import bootstrap
from saxaul.config import Settings
from saxaul.services import imports
from saxaul.store import ingest_repo
from saxaul.store.bulk import BulkConnection


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _then_die(real: Callable[..., Any]) -> Callable[..., Any]:
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)
        _die()

    return wrapped


def main(point: str, nth: int, path: Path) -> None:
    rt = bootstrap(Settings())
    calls = 0

    def counted() -> bool:
        nonlocal calls
        calls += 1
        return calls == nth

    progress = None
    if point == "claim":
        ingest_repo.register_import = _then_die(ingest_repo.register_import)  # type: ignore[assignment]
        ingest_repo.claim_import = _then_die(ingest_repo.claim_import)  # type: ignore[assignment]
    elif point == "committed":

        def progress(_rows: int) -> None:
            if counted():
                _die()

    elif point == "quarantine":
        real_stage = BulkConnection.stage

        def stage(self: BulkConnection, name: str, frame: Any) -> None:
            real_stage(self, name, frame)
            if name == "stage_quarantine" and frame.height and counted():
                _die()

        BulkConnection.stage = stage  # type: ignore[method-assign]
    elif point == "finish":
        ingest_repo.finish_import = _then_die(ingest_repo.finish_import)  # type: ignore[assignment]
    elif point in ("fail", "marking"):
        real_commit = imports.commit_chunk

        def commit(*args: Any) -> Any:
            if counted():
                raise RuntimeError("simulated failure")
            return real_commit(*args)

        imports.commit_chunk = commit  # type: ignore[assignment]
        if point == "marking":
            ingest_repo.fail_import = _then_die(ingest_repo.fail_import)  # type: ignore[assignment]
    imports.import_events(rt, path, progress=progress)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]))
