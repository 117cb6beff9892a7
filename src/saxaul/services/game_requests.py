"""One participant's move per request, as the HTTP API (or any other client) asks for it.

Why below the HTTP layer: a request's operation name and body are hashed together with its
Idempotency-Key (``game_batch.ask``), and its answer is stored and replayed to a retry, so what
a request *means* is fixed here once rather than rebuilt by each caller; the caller then plays
it with ``game_batch.play_request`` (or ``play_request_async`` on an event loop). Why a planted
tree's id comes from the caller and their key: a retried "plant" then names the very same tree,
so even a retry that races the first attempt can never plant a second one.

Example: ``play_request(rt, plant("u1", "saxaul", key="k1"))`` plays ``Plant("u1", "saxaul",
tree_id_for("u1", "k1"))``; sending it again answers the stored result with ``replayed: true``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from saxaul.domain.play import CancelTree, Collect, CoPlant, Plant, Pool, Protect, Steal, Water
from saxaul.services.game_batch import MoveRequest, ask
from saxaul.store.tables import BIGINT_MAX

GRAMS_MAX = BIGINT_MAX
"""Most grams a move can name: ledger amounts are 8-byte integers (the game refuses far less)."""


def tree_id_for(user: str, key: str) -> str:
    """The id of the tree ``user`` plants with Idempotency-Key ``key``: ``t`` + 20 hex digits."""
    return "t" + hashlib.sha256(f"{user}\x00{key}".encode()).hexdigest()[:20]


def collect(user: str, ball_id: str, key: str | None) -> MoveRequest:
    """``user`` collects their ripe ball ``ball_id``."""
    return ask(Collect(user, ball_id), "collect", {"ball_id": ball_id}, key)


def steal(thief: str, owner: str, ball_id: str, key: str | None) -> MoveRequest:
    """``thief`` steals from ``owner``'s ball ``ball_id``; a ball of someone else is not found
    (checked by the move, in the batch's transaction)."""
    body = {"owner": owner, "ball_id": ball_id}
    return ask(Steal(thief, ball_id, owner), "steal", body, key)


def water(giver: str, friend: str, amount_g: int, key: str) -> MoveRequest:
    """``giver`` gives ``friend`` one watering step of ``amount_g``."""
    body = {"friend": friend, "amount_g": amount_g}
    return ask(Water(giver, friend, amount_g), "water", body, key)


def protect(user: str, hours: int, key: str) -> MoveRequest:
    """``user`` puts on a protection cover of ``hours``."""
    return ask(Protect(user, hours), "protect", {"hours": hours}, key)


def plant(user: str, species_id: str, key: str) -> MoveRequest:
    """``user`` plants a tree of ``species_id`` alone, paying its whole cost now."""
    move = Plant(user, species_id, tree_id_for(user, key))
    return ask(move, "plant", {"species_id": species_id}, key)


def co_plant(user: str, species_id: str, friends: Sequence[str], key: str) -> MoveRequest:
    """``user`` starts co-planting a tree of ``species_id`` with ``friends``."""
    move = CoPlant(user, species_id, tuple(friends), tree_id_for(user, key))
    body = {"species_id": species_id, "friends": list(friends)}
    return ask(move, "co_plant", body, key)


def pool(user: str, tree_id: str, amount_g: int, key: str) -> MoveRequest:
    """``user`` pools ``amount_g`` into the co-planted tree ``tree_id``."""
    body = {"tree_id": tree_id, "amount_g": amount_g}
    return ask(Pool(user, tree_id, amount_g), "pool", body, key)


def cancel(user: str, tree_id: str, key: str) -> MoveRequest:
    """``user``, its initiator, calls off the co-planting ``tree_id``; shares are refunded."""
    return ask(CancelTree(user, tree_id), "cancel", {"tree_id": tree_id}, key)
