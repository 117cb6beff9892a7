"""One participant's move per request, as the HTTP API (or any other client) asks for it.

Why below the HTTP layer: a request's operation name and body are hashed together with its
Idempotency-Key (``game_batch.play_request``), and its answer is stored and replayed to a retry, so
what a request *means* is fixed here once rather than rebuilt by each caller. Why a planted
tree's id comes from the caller and their key: a retried "plant" then names the very same tree,
so even a retry that races the first attempt can never plant a second one.

Example: ``plant(rt, "u1", "saxaul", key="k1")`` plays ``Plant("u1", "saxaul",
tree_id_for("u1", "k1"))``; sending it again answers the stored result with ``replayed: true``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from saxaul.domain.play import CancelTree, Collect, CoPlant, Plant, Pool, Protect, Steal, Water
from saxaul.services.game_batch import play_request
from saxaul.services.game_views import MoveAnswer
from saxaul.services.runtime import Runtime
from saxaul.store.tables import BIGINT_MAX

GRAMS_MAX = BIGINT_MAX
"""Most grams a move can name: ledger amounts are 8-byte integers (the game refuses far less)."""


def tree_id_for(user: str, key: str) -> str:
    """The id of the tree ``user`` plants with Idempotency-Key ``key``: ``t`` + 20 hex digits."""
    return "t" + hashlib.sha256(f"{user}\x00{key}".encode()).hexdigest()[:20]


def collect(rt: Runtime, user: str, ball_id: str, key: str | None) -> MoveAnswer:
    """``user`` collects their ripe ball ``ball_id``."""
    return play_request(rt, Collect(user, ball_id), "collect", {"ball_id": ball_id}, key)


def steal(rt: Runtime, thief: str, owner: str, ball_id: str, key: str | None) -> MoveAnswer:
    """``thief`` steals from ``owner``'s ball ``ball_id``; a ball of someone else is not found
    (checked by the move, in the batch's transaction)."""
    body = {"owner": owner, "ball_id": ball_id}
    return play_request(rt, Steal(thief, ball_id, owner), "steal", body, key)


def water(rt: Runtime, giver: str, friend: str, amount_g: int, key: str) -> MoveAnswer:
    """``giver`` gives ``friend`` one watering step of ``amount_g``."""
    body = {"friend": friend, "amount_g": amount_g}
    return play_request(rt, Water(giver, friend, amount_g), "water", body, key)


def protect(rt: Runtime, user: str, hours: int, key: str) -> MoveAnswer:
    """``user`` puts on a protection cover of ``hours``."""
    return play_request(rt, Protect(user, hours), "protect", {"hours": hours}, key)


def plant(rt: Runtime, user: str, species_id: str, key: str) -> MoveAnswer:
    """``user`` plants a tree of ``species_id`` alone, paying its whole cost now."""
    move = Plant(user, species_id, tree_id_for(user, key))
    return play_request(rt, move, "plant", {"species_id": species_id}, key)


def co_plant(
    rt: Runtime, user: str, species_id: str, friends: Sequence[str], key: str
) -> MoveAnswer:
    """``user`` starts co-planting a tree of ``species_id`` with ``friends``."""
    move = CoPlant(user, species_id, tuple(friends), tree_id_for(user, key))
    body = {"species_id": species_id, "friends": list(friends)}
    return play_request(rt, move, "co_plant", body, key)


def pool(rt: Runtime, user: str, tree_id: str, amount_g: int, key: str) -> MoveAnswer:
    """``user`` pools ``amount_g`` into the co-planted tree ``tree_id``."""
    body = {"tree_id": tree_id, "amount_g": amount_g}
    return play_request(rt, Pool(user, tree_id, amount_g), "pool", body, key)


def cancel(rt: Runtime, user: str, tree_id: str, key: str) -> MoveAnswer:
    """``user``, its initiator, calls off the co-planting ``tree_id``; shares are refunded."""
    return play_request(rt, CancelTree(user, tree_id), "cancel", {"tree_id": tree_id}, key)
