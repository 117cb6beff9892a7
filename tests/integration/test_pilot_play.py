"""A small calibrated pilot played through the services ends with trees and a clean ledger
(``saxaul.sim.pilot_play``), on SQLite: the run is a simulation of one server, not a store test.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from saxaul.bootstrap import bootstrap
from saxaul.config import Settings
from saxaul.domain.paging import MAX_PAGE
from saxaul.services import forest, methodology
from saxaul.services.ledger_audit import audit
from saxaul.sim.clock import DemoClock
from saxaul.sim.pilot import write_pilot
from saxaul.sim.pilot_play import play_pilot
from saxaul.sim.pilot_scenario import load_scenario


def test_a_small_pilot_plants_trees_and_audits_clean(tmp_path: Path) -> None:
    scenario = load_scenario()
    clock = DemoClock(dt.datetime.combine(scenario.start, dt.time(), tzinfo=dt.UTC))
    rt = bootstrap(Settings(database_url=f"sqlite:///{tmp_path / 'pilot.db'}"), clock=clock)
    try:
        files = write_pilot(
            tmp_path / "files",
            scenario,
            users=400,
            days=scenario.days,
            start=None,
            seed=3,
            behaviours=methodology.scored_behaviours(rt),
        )
        log = play_pilot(rt, clock, scenario, files, seed=3)
        result = audit(rt)
        assert result.ok, result.problems
        assert log.participants == 400 and log.friendships == files.friendships_count
        assert log.events == files.events_count
        assert log.trees >= 1
        assert log.days[-1][2] == log.trees and log.play.applied["plant"] == log.trees
        # avoided CO2 within a quarter of the scenario's target at this size
        target_g = scenario.play.target_avoided_t * 1e6 * 400 / scenario.participants
        assert 0.75 * target_g < log.energy_g < 1.25 * target_g
        assert log.play.applied["collect"] > 0 and log.play.applied["steal"] > 0
        assert sum(len(forest.my_trees(rt, p, limit=MAX_PAGE)) for p in files.activity) == log.trees
    finally:
        rt.db.dispose()
