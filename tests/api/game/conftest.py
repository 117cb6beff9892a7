"""The fixtures of the HTTP game tests: the world (``world.py``) as set up, and ripe."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from saxaul.services.participant_auth import issue_token
from saxaul.services.runtime import Runtime
from tests.api.game.world import BALL_G, DAY, RIPE, TOKEN_TTL, Headers, World
from tests.conftest import FakeClock
from tests.game_world import RIDE_G, balls_for, befriend, enrol


@pytest.fixture
def world(client: TestClient, rt: Runtime, tmp_path: Path, auth: Headers) -> World:
    enrol(rt, ["u1", "u2", "u3", "u4"], tmp_path)
    befriend(rt, "u1", "u2")
    befriend(rt, "u3", "u1")
    assert balls_for(rt, {u: g // RIDE_G for u, g in BALL_G.items()}, DAY) == 4
    tokens = {u: issue_token(rt, u, TOKEN_TTL).token for u in ("u1", "u2", "u3", "u4")}
    return World(client, {u: {"Authorization": f"Bearer {t}"} for u, t in tokens.items()}, auth)


@pytest.fixture
def ripe(world: World, clock: FakeClock) -> World:
    clock.advance(**RIPE)
    return world
