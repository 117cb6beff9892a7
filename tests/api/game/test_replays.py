"""A retried move over HTTP: the stored answer comes back byte for byte, only `replayed` flips.

The answer is stored as JSON with the move and rebuilt into the same view for the retry, so the
two response bodies must not differ in any other byte, on either store.
"""

from __future__ import annotations

from typing import Any

from saxaul.services.game_requests import tree_id_for
from saxaul.services.runtime import Runtime
from tests.api.conftest import BOTH_STORES
from tests.api.game.world import World, rich


@BOTH_STORES
def test_a_retried_move_answers_the_first_bytes_again(world: World, rt: Runtime) -> None:
    rich(world, rt, "u1", 250)
    co_planted = tree_id_for("u1", "co")
    moves: list[tuple[str, str, dict[str, Any] | None]] = [
        ("s", f"/v1/friends/u2/balls/{world.balls['u2']}/steal", None),
        ("c", f"/v1/me/balls/{world.balls['u3']}/collect", None),
        ("p", "/v1/me/covers", {"hours": 72}),
        ("w", "/v1/friends/u2/water", {"amount_g": 66}),
        ("t", "/v1/me/trees", {"species_id": "saxaul"}),
        ("co", "/v1/me/co-plantings", {"species_id": "caragana", "friends": ["u2"]}),
        ("po", f"/v1/trees/{co_planted}/pool", {"amount_g": 500}),
        ("x", f"/v1/trees/{co_planted}/cancel", None),
    ]

    for key, path, body in moves:
        user = "u3" if key == "c" else "u1"
        first = world.post(user, path, key=key, json=body)
        again = world.post(user, path, key=key, json=body)

        assert first.status_code == again.status_code == 200, first.text
        assert first.content.count(b'"replayed":false') == 1, first.text
        assert again.content == first.content.replace(b'"replayed":false', b'"replayed":true')
