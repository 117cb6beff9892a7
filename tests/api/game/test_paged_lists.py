"""A participant's friends and trees come a page at a time (``limit`` after ``after_id``),
each page naming where the next starts; on both stores."""

from __future__ import annotations

from typing import Any

from saxaul.domain.paging import DEFAULT_PAGE
from tests.conftest import FakeClock

from ..conftest import BOTH_STORES
from .world import World


def pages(world: World, user: str, path: str, limit: int) -> list[dict[str, Any]]:
    """Every page of ``path`` for ``user``, following ``next_after_id`` to the end."""
    found: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": limit}
    while True:
        answer = world.get(user, path, params=params)
        assert answer.status_code == 200, answer.text
        found.append(answer.json())
        if found[-1]["next_after_id"] is None:
            return found
        params["after_id"] = found[-1]["next_after_id"]


@BOTH_STORES
def test_friends_and_invitations_page_by_participant_id(world: World) -> None:
    invited = world.post("u4", "/v1/me/friends/invitations", json={"user_id": "u1"})
    assert invited.status_code == 200, invited.text

    first, second = pages(world, "u1", "/v1/me/friends", limit=2)

    assert [f["user_id"] for f in first["friends"]] == ["u2", "u3"]
    assert first["incoming"] == [] and first["next_after_id"] == "u3"
    assert second["friends"] == [] and [f["user_id"] for f in second["incoming"]] == ["u4"]
    whole = world.get("u1", "/v1/me/friends").json()
    assert len(whole["friends"]) == 2 and len(whole["incoming"]) == 1
    assert whole["next_after_id"] is None


@BOTH_STORES
def test_trees_page_newest_first(world: World, clock: FakeClock) -> None:
    for n in range(5):
        started = world.post(
            "u1",
            "/v1/me/co-plantings",
            key=f"co-{n}",
            json={"species_id": "saxaul", "friends": ["u2"]},
        )
        assert started.status_code == 200, started.text
        if n % 2:
            clock.advance(seconds=1)
    whole = world.get("u1", "/v1/me/trees").json()
    newest_first = [t["id"] for t in whole["trees"]]

    paged = pages(world, "u1", "/v1/me/trees", limit=2)

    assert len(newest_first) == 5 <= DEFAULT_PAGE and whole["next_after_id"] is None
    assert [t["id"] for page in paged for t in page["trees"]] == newest_first
    assert [len(page["trees"]) for page in paged] == [2, 2, 1]
    assert [t["id"] for t in world.get("u2", "/v1/me/trees").json()["trees"]] == newest_first
