"""A small calibrated pilot played through the services: what the pilot tests share.

Why one helper: the play test and the abuse false-positive test need the same 400-participant
pilot, written and played the same way, so a change to how the pilot is set up is made once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from saxaul.bootstrap import bootstrap
from saxaul.config import Settings
from saxaul.services import methodology
from saxaul.services.runtime import Runtime
from saxaul.sim.clock import DemoClock
from saxaul.sim.pilot import PilotFiles, write_pilot
from saxaul.sim.pilot_play import PilotPlayLog, play_pilot
from saxaul.sim.pilot_scenario import SimScenario, load_scenario

USERS = 400
SEED = 3


@dataclass(frozen=True, slots=True)
class PlayedPilot:
    """The store after the play, its clock, the scenario, the files and the play's log."""

    rt: Runtime
    clock: DemoClock
    scenario: SimScenario
    files: PilotFiles
    log: PilotPlayLog


@contextmanager
def played_pilot(tmp_path: Path) -> Iterator[PlayedPilot]:
    """The pilot at ``USERS`` participants over its whole season, on SQLite in ``tmp_path``."""
    scenario = load_scenario()
    clock = DemoClock(dt.datetime.combine(scenario.start, dt.time(), tzinfo=dt.UTC))
    rt = bootstrap(Settings(database_url=f"sqlite:///{tmp_path / 'pilot.db'}"), clock=clock)
    try:
        files = write_pilot(
            tmp_path / "files",
            scenario,
            users=USERS,
            days=scenario.days,
            start=None,
            seed=SEED,
            behaviours=methodology.scored_behaviours(rt),
        )
        log = play_pilot(rt, clock, scenario, files, seed=SEED)
        yield PlayedPilot(rt, clock, scenario, files, log)
    finally:
        rt.db.dispose()
