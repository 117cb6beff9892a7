"""32 move requests at once through the real app: shared transactions, each its own answer.

The app plays concurrent move requests together (group commit); over HTTP that must still give
every request the status and body it would get alone — valid collects 200, a stranger's steal
403, a missing ball 404, a malformed body 422, one key sent four times one move and three
replays — and leave the ledger with exactly the applied moves.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from pathlib import Path

from fastapi.testclient import TestClient
from httpx import Response

from saxaul.services.ledger_audit import audit
from saxaul.services.participant_auth import issue_token
from saxaul.services.runtime import Runtime
from tests.api.conftest import BOTH_STORES
from tests.api.game.world import DAY, RIPE, TOKEN_TTL
from tests.conftest import FakeClock
from tests.game_world import RIDE_G, balls_for, enrol

PLAYERS = [f"p{n}" for n in range(20)]
RIDES = 2
WINDOW_S = 0.2
"""The group commit's window here: long enough that the 32 requests certainly share batches."""


@BOTH_STORES
def test_32_concurrent_requests_each_get_their_own_answer(
    client: TestClient, rt: Runtime, clock: FakeClock, tmp_path: Path
) -> None:
    rt.moves.window_s = WINDOW_S
    enrol(rt, PLAYERS, tmp_path)
    assert balls_for(rt, dict.fromkeys(PLAYERS, RIDES), DAY) == len(PLAYERS)
    clock.advance(**RIPE)
    headers = {
        p: {"Authorization": f"Bearer {issue_token(rt, p, TOKEN_TTL).token}"} for p in PLAYERS
    }
    ball = {
        p: client.get("/v1/me/forest", headers=headers[p]).json()["balls"][0]["id"] for p in PLAYERS
    }
    asks: list[tuple[str, str, str, dict[str, object] | None, str | None]] = []
    asks += [("collect", p, f"/v1/me/balls/{ball[p]}/collect", None, None) for p in PLAYERS[:16]]
    steal = f"/v1/friends/p0/balls/{ball['p0']}/steal"
    asks += [("stranger", p, steal, None, None) for p in PLAYERS[16:20]]
    asks += [("missing", "p16", "/v1/me/balls/no-such-ball/collect", None, None)] * 4
    water = "/v1/friends/p1/water"
    asks += [("malformed", "p17", water, {"amount_g": "lots"}, f"w{n}") for n in range(4)]
    asks += [("dup", "p18", f"/v1/me/balls/{ball['p18']}/collect", None, "same")] * 4
    assert len(asks) == 32
    random.Random(11).shuffle(asks)
    answers: list[Response | None] = [None] * len(asks)
    start = threading.Barrier(len(asks))

    def send(n: int) -> None:
        _, player, path, body, key = asks[n]
        sent = dict(headers[player])
        if key is not None:
            sent["Idempotency-Key"] = key
        start.wait()
        answers[n] = client.post(path, headers=sent, json=body)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(len(asks))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    seen: dict[str, Counter[tuple[int, str]]] = {}
    for (kind, *_), answer in zip(asks, answers, strict=True):
        assert answer is not None
        body = answer.json()
        label = str(body.get("code") or body.get("replayed"))
        seen.setdefault(kind, Counter())[(answer.status_code, label)] += 1
    assert seen == {
        "collect": Counter({(200, "False"): 16}),
        "stranger": Counter({(403, "not_friends"): 4}),
        "missing": Counter({(404, "not_found"): 4}),
        "malformed": Counter({(422, "invalid_request"): 4}),
        "dup": Counter({(200, "True"): 3, (200, "False"): 1}),
    }
    for player in [*PLAYERS[:16], "p18"]:
        assert client.get("/v1/me/forest", headers=headers[player]).json()["energy_g"] == (
            RIDES * RIDE_G
        )
    for player in ("p16", "p17", "p19"):
        assert client.get("/v1/me/forest", headers=headers[player]).json()["energy_g"] == 0
    stats = rt.moves.stats
    assert stats.items == 32 - 4  # the malformed bodies never reach the game
    assert stats.batches < stats.items and stats.largest >= 8, stats
    assert audit(rt).problems == []
