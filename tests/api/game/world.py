"""The world the HTTP game tests play in, through the real services.

u1, u2, u3 and the stranger u4, enrolled; u1 is friends with u2 and u3. Each has one ball of
metro rides taken on 11-04, scored at the fake clock's 11-05 12:00 UTC, so every ball ripens
11-06 12:00 UTC (20:00 in Shanghai) and expires 11-09.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from saxaul.services.runtime import Runtime
from tests.conftest import FakeClock
from tests.game_world import RIDE_G, bus_trips

DAY = dt.date(2026, 11, 4)
RIPE = {"hours": 25}
"""From the set-up's 11-05 12:00 UTC to 11-06 13:00 UTC: every ball is ripe."""
TOKEN_TTL = dt.timedelta(days=30)
"""Long enough to outlast the days the clock is moved on by (the default is 12 hours)."""
BALL_G = {"u1": 3 * RIDE_G, "u2": 2 * RIDE_G, "u3": RIDE_G, "u4": RIDE_G}

Headers = dict[str, str]


class World:
    """Tokens and ball ids of the players, and the client to play with."""

    def __init__(self, client: TestClient, tokens: dict[str, Headers], auth: Headers) -> None:
        self.client = client
        self.tokens = tokens
        self.auth = auth
        self.balls = {
            user: client.get("/v1/me/forest", headers=headers).json()["balls"][0]["id"]
            for user, headers in tokens.items()
        }

    def get(self, user: str, path: str, **kwargs: Any) -> Response:
        return self.client.get(path, headers=self.tokens[user], **kwargs)

    def post(self, user: str, path: str, key: str | None = None, **kwargs: Any) -> Response:
        headers = dict(self.tokens[user])
        if key is not None:
            headers["Idempotency-Key"] = key
        return self.client.post(path, headers=headers, **kwargs)

    def energy(self, user: str) -> int:
        energy: int = self.get(user, "/v1/me/forest").json()["energy_g"]
        return energy


def rich(world: World, rt: Runtime, user: str, trips: int) -> int:
    """Give ``user`` a ball of ``trips`` bus rides, ripen and collect all their balls; returns
    their energy then."""
    bus_trips(rt, user, trips, DAY)
    assert world.client.post("/v1/jobs/mint-balls", headers=world.auth).json()["balls"] == 1
    assert isinstance(rt.clock, FakeClock)
    rt.clock.advance(**RIPE)
    for ball in world.get(user, "/v1/me/forest").json()["balls"]:
        assert world.post(user, f"/v1/me/balls/{ball['id']}/collect").status_code == 200
    return world.energy(user)
