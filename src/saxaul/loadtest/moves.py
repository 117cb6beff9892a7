"""Seeded streams of game moves, and the HTTP request that asks the served app for each.

The ledger benchmark's mix per worker (``MIX``): 40 % steal, 25 % collect, 15 % water, 10 %
protect, 10 % trees (3 % solo plant, 2 % co-plant, 5 % pool into the stream's co-plantings).
Refused moves (already stolen, daily limit, not enough energy, …) are normal game answers,
counted apart from applied ones. The HTTP load's mix, mostly collects with intended refusals,
builds on this stream (``http_game.GameStream``).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from saxaul.domain.play import Collect, CoPlant, Move, Plant, Pool, Protect, Steal, Water
from saxaul.loadtest.world import CO_SPECIES, SOLO_SPECIES, World
from saxaul.services.game_requests import tree_id_for

MIX: tuple[tuple[str, int], ...] = (
    ("steal", 40),
    ("collect", 25),
    ("water", 15),
    ("protect", 10),
    ("plant", 3),
    ("co_plant", 2),
    ("pool", 5),
)
"""Share of each move in the ledger benchmark's stream, in percent (trees together make 10 %)."""
COVER_HOURS = 24
"""Covers last one day, so they end before the next cell's simulated day begins."""
POOL_G = (300, 3_000)
"""A pool gives between these many grams (inclusive) to a co-planting."""
CO_PLANTERS = (2, 4)
"""A co-planting invites between these many friends (inclusive)."""
OPEN_PLANTINGS = 50
"""Pools go to one of the stream's latest co-plantings still short of their cost."""

HTTP_ROUTES: dict[str, tuple[str, str]] = {
    "collect": ("POST", "/v1/me/balls/{ball_id}/collect"),
    "steal": ("POST", "/v1/friends/{user_id}/balls/{ball_id}/steal"),
    "water": ("POST", "/v1/friends/{user_id}/water"),
    "protect": ("POST", "/v1/me/covers"),
    "plant": ("POST", "/v1/me/trees"),
    "co_plant": ("POST", "/v1/me/co-plantings"),
    "pool": ("POST", "/v1/trees/{tree_id}/pool"),
}
"""The game routes the HTTP loads call (``api/routers/game.py``); checked against the served
OpenAPI document first (``server.require_routes``)."""
REFUSED_HTTP = frozenset({400, 403, 404, 409, 422, 429})
"""HTTP answers that are game refusals (a problem document with a ``code``), not failures."""


@dataclass(slots=True)
class _Planting:
    tree_id: str
    members: tuple[str, ...]
    needed_g: int


class MoveStream:
    """A seeded stream of moves for one worker of one cell, each with its Idempotency-Key.

    Why per worker: each worker draws from its own generator, so the stream a worker plays is
    the same on every engine and every run, whatever the interleaving. Trees get ids derived
    from the actor and key (``game_requests.tree_id_for``), as an HTTP plant would, so the
    service and HTTP modes play the very same moves.
    """

    def __init__(
        self,
        world: World,
        distribution: str,
        day: int,
        seed: int,
        tag: str,
        mix: Sequence[tuple[str, int]] = MIX,
    ) -> None:
        self._rng = random.Random(seed)
        self._graph = world.graph
        self._friends = world.graph.friends(distribution)
        self._balls: Mapping[str, tuple[str, ...]] = world.balls[day]
        self._zipf = distribution == "zipf"
        self._tag = tag
        self._count = 0
        self._plantings: list[_Planting] = []
        self._kinds = [kind for kind, _ in mix]
        self._cum = list(itertools.accumulate(share for _, share in mix))
        self._co_cost = world.co_cost_g
        self._steps = world.watering_steps_g

    def take(self, n: int) -> list[tuple[Move, str]]:
        """The next ``n`` moves with their keys."""
        return [self.next() for _ in range(n)]

    def _actor(self) -> str:
        if self._zipf:
            return self._rng.choices(self._graph.hot, cum_weights=self._graph.cum_weights)[0]
        return self._rng.choice(self._graph.players)

    def _friend(self, actor: str) -> str:
        friends = self._friends[actor]
        return self._rng.choice(friends) if friends else actor

    def next(self) -> tuple[Move, str]:
        """One move: its kind drawn from the mix, its actor from the cell's distribution."""
        return self.next_kind()[1:]

    def next_kind(self) -> tuple[str, Move, str]:
        """One move with the kind of the mix it was drawn as, and its key."""
        self._count += 1
        key = f"{self._tag}-{self._count}"
        kind = self._kind()
        return kind, self._move(kind, self._actor(), key), key

    def _kind(self) -> str:
        """The next kind drawn from the mix; a mix may turn a kind it cannot play into another."""
        return self._rng.choices(self._kinds, cum_weights=self._cum)[0]

    def _move(self, kind: str, actor: str, key: str) -> Move:
        """The move of ``kind`` by ``actor``; a mix may add kinds by overriding this."""
        rng = self._rng
        if kind == "pool" and self._plantings:
            planting = rng.choice(self._plantings[-OPEN_PLANTINGS:])
            amount = min(rng.randint(*POOL_G), planting.needed_g)
            planting.needed_g -= amount
            if planting.needed_g <= 0:
                self._plantings.remove(planting)
            return Pool(rng.choice(planting.members), planting.tree_id, amount)
        if kind in ("pool", "co_plant"):
            friends = self._friends[actor]
            chosen = tuple(rng.sample(friends, min(len(friends), rng.randint(*CO_PLANTERS))))
            tree_id = tree_id_for(actor, key)
            self._plantings.append(_Planting(tree_id, (actor, *chosen), self._co_cost))
            return CoPlant(actor, CO_SPECIES, chosen, tree_id)
        if kind == "steal":
            friend = self._friend(actor)
            return Steal(actor, rng.choice(self._balls.get(friend) or ("none",)))
        if kind == "collect":
            return Collect(actor, rng.choice(self._balls.get(actor) or ("none",)))
        if kind == "water":
            return Water(actor, self._friend(actor), rng.choice(self._steps))
        if kind == "protect":
            return Protect(actor, COVER_HOURS)
        return Plant(actor, SOLO_SPECIES, tree_id_for(actor, key))


def move_name(move: Move) -> str:
    """The move's name in the results: ``collect``, ``steal``, …, ``co_plant``."""
    return "co_plant" if isinstance(move, CoPlant) else type(move).__name__.lower()


def http_request(move: Move, world: World) -> tuple[str, str, dict[str, Any] | None]:
    """The method, path and JSON body that ask the served app for ``move``."""
    match move:
        case Collect(ball_id=ball_id):
            method, path = HTTP_ROUTES["collect"]
            return method, path.format(ball_id=ball_id), None
        case Steal(ball_id=ball_id):
            method, path = HTTP_ROUTES["steal"]
            owner = world.owner.get(ball_id, move.actor)
            return method, path.format(user_id=owner, ball_id=ball_id), None
        case Water(friend=friend, amount_g=amount_g):
            method, path = HTTP_ROUTES["water"]
            return method, path.format(user_id=friend), {"amount_g": amount_g}
        case Protect(hours=hours):
            method, path = HTTP_ROUTES["protect"]
            return method, path, {"hours": hours}
        case Plant(species_id=species_id):
            method, path = HTTP_ROUTES["plant"]
            return method, path, {"species_id": species_id}
        case CoPlant(species_id=species_id, friends=friends):
            method, path = HTTP_ROUTES["co_plant"]
            return method, path, {"species_id": species_id, "friends": list(friends)}
        case Pool(tree_id=tree_id, amount_g=amount_g):
            method, path = HTTP_ROUTES["pool"]
            return method, path.format(tree_id=tree_id), {"amount_g": amount_g}
    raise ValueError(f"no HTTP route for {move!r}")
