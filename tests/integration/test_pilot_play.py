"""A small calibrated pilot played through the services ends with trees and a clean ledger
(``saxaul.sim.pilot_play``), on SQLite: the run is a simulation of one server, not a store test.
"""

from __future__ import annotations

from pathlib import Path

from saxaul.domain.paging import MAX_PAGE
from saxaul.services import forest
from saxaul.services.ledger_audit import audit
from tests.pilot_world import USERS, played_pilot


def test_a_small_pilot_plants_trees_and_audits_clean(tmp_path: Path) -> None:
    with played_pilot(tmp_path) as pilot:
        rt, files, log, scenario = pilot.rt, pilot.files, pilot.log, pilot.scenario
        result = audit(rt)
        assert result.ok, result.problems
        assert log.participants == USERS and log.friendships == files.friendships_count
        assert log.events == files.events_count
        assert log.trees >= 1
        assert log.days[-1][2] == log.trees and log.play.applied["plant"] == log.trees
        # avoided CO2 within a quarter of the scenario's target at this size
        target_g = scenario.play.target_avoided_t * 1e6 * USERS / scenario.participants
        assert 0.75 * target_g < log.energy_g < 1.25 * target_g
        assert log.play.applied["collect"] > 0 and log.play.applied["steal"] > 0
        assert sum(len(forest.my_trees(rt, p, limit=MAX_PAGE)) for p in files.activity) == log.trees
