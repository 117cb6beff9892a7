"""Tree liabilities: every promised tree is owed by one project, within that project's capacity.

Why at planting: energy spent on a tree is a promise to the participant, and a promise no
partner has room for is an over-promise. So when a tree is planted (or a co-planting starts,
reserving its place), it is allocated to an open live project of its species with room left,
in the same transaction, and a tree no project has room for is refused (``no_capacity``) — or,
with the waiting list on, accepted as ``waiting`` and allocated when room appears.

Why the lowest fill ratio first: of several projects planting one species, the one with the
most room for its size gets the next tree, so partners fill in step rather than the first one
filling up; ties go to the lower project id, so the choice is the same on every replay.

Example: rooms ``a`` (capacity 10, allocated 5) and ``b`` (capacity 100, allocated 20):
``fairest`` picks ``b`` (0.2 < 0.5). A cancelled co-planting gives its place back: its row is
deleted (the tree itself keeps its ``cancelled`` status), so ``allocated`` counts rows.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from fractions import Fraction

from saxaul.domain.game_rules import Species
from saxaul.domain.planting import PlantRefused


class LiabilityStatus(StrEnum):
    """Where a promised tree stands."""

    WAITING = "waiting"
    """No project can take it yet (its species has no open project)."""
    OWED = "owed"
    """A project owes it; not yet in an accepted order."""
    ORDERED = "ordered"
    """In an order its partner accepted; not yet evidenced as planted."""
    PLANTED = "planted"
    """Evidenced as planted; no survival check has found it yet."""
    ALIVE = "alive"
    """Found alive by a survival check."""
    LOST = "lost"
    """Found dead: to be replanted, or reopened by an operator."""

    @property
    def label_en(self) -> str:
        return _LABELS[self][0]

    @property
    def label_zh(self) -> str:
        return _LABELS[self][1]


_LABELS: Mapping[LiabilityStatus, tuple[str, str]] = {
    LiabilityStatus.WAITING: ("waiting for a planting project", "等待种植项目"),
    LiabilityStatus.OWED: ("owed: waiting for a planting order", "待种植：等待下单"),
    LiabilityStatus.ORDERED: ("ordered: the partner will plant it", "已下单：合作伙伴将种下"),
    LiabilityStatus.PLANTED: ("planted", "已种下"),
    LiabilityStatus.ALIVE: ("planted and found alive", "已种下，经核查存活"),
    LiabilityStatus.LOST: ("died: it will be replanted", "未存活：将补种"),
}


@dataclass(frozen=True, slots=True)
class Room:
    """An open live project of one species, as allocation sees it."""

    project_id: str
    species_id: str
    capacity: int
    allocated: int

    @property
    def remaining(self) -> int:
        """Trees it may still be promised."""
        return max(self.capacity - self.allocated, 0)


@dataclass(frozen=True, slots=True)
class Liability:
    """A tree owed: by ``project_id``, or by nobody yet (``waiting``)."""

    tree_id: str
    species_id: str
    project_id: str | None
    status: LiabilityStatus
    promised_at: dt.datetime


def fairest(rooms: Iterable[Room], species_id: str) -> Room | None:
    """The room of ``species_id`` with the lowest fill ratio, ties by project id; ``None`` if
    every one is full."""
    open_rooms = [r for r in rooms if r.species_id == species_id and r.remaining > 0]
    return min(
        open_rooms,
        key=lambda r: (Fraction(r.allocated, r.capacity), r.project_id),
        default=None,
    )


def no_capacity(species: Species) -> PlantRefused:
    """The refusal of a tree no project has room for."""
    return PlantRefused(
        f"no partner can plant a {species.name_en} ({species.name_zh}) now: every project "
        "planting it is full; try another species",
        code="no_capacity",
        species_id=species.id,
        species_en=species.name_en,
        species_zh=species.name_zh,
    )


@dataclass(slots=True)
class Capacity:
    """The rooms of the species a batch plants, loaded locked, and what the batch allocates.

    ``check`` refuses before a move changes anything; ``allocate`` then takes the place once
    the move's transfers are posted, so a refused move never holds one.
    """

    rooms: dict[str, Room]
    waiting_list: bool
    liabilities: list[Liability] = field(default_factory=list)
    """New rows, in the order the moves made them."""
    taken: Counter[str] = field(default_factory=Counter)
    """Places taken per project id by this batch (``allocated`` goes up by as many)."""
    released: list[str] = field(default_factory=list)
    """Trees whose co-planting was cancelled: their rows go, and their places with them."""

    def check(self, species: Species) -> None:
        """Refuse a tree of ``species`` when no project has room and there is no waiting list."""
        if not self.waiting_list and fairest(self.rooms.values(), species.id) is None:
            raise no_capacity(species)

    def allocate(self, tree_id: str, species_id: str, now: dt.datetime) -> Liability:
        """Promise ``tree_id`` to the fairest room of its species, or put it on the waiting list."""
        room = fairest(self.rooms.values(), species_id)
        if room is None:
            liability = Liability(tree_id, species_id, None, LiabilityStatus.WAITING, now)
        else:
            self.rooms[room.project_id] = replace(room, allocated=room.allocated + 1)
            self.taken[room.project_id] += 1
            liability = Liability(tree_id, species_id, room.project_id, LiabilityStatus.OWED, now)
        self.liabilities.append(liability)
        return liability

    def release(self, tree_id: str) -> None:
        """A cancelled co-planting: its row and its place go when the batch is written (or at
        once, when this very batch started it)."""
        for n, liability in enumerate(self.liabilities):
            if liability.tree_id == tree_id:
                del self.liabilities[n]
                if liability.project_id is not None:
                    room = self.rooms[liability.project_id]
                    self.rooms[room.project_id] = replace(room, allocated=room.allocated - 1)
                    self.taken[room.project_id] -= 1
                return
        self.released.append(tree_id)


def place_waiting(rooms: dict[str, Room], waiting: Iterable[Liability]) -> list[Liability]:
    """The waiting trees that now fit, oldest first, each in the fairest room of its species
    (``rooms`` is updated as they are placed)."""
    placed: list[Liability] = []
    for liability in sorted(waiting, key=lambda w: (w.promised_at, w.tree_id)):
        room = fairest(rooms.values(), liability.species_id)
        if room is None:
            continue
        rooms[room.project_id] = replace(room, allocated=room.allocated + 1)
        placed.append(replace(liability, project_id=room.project_id, status=LiabilityStatus.OWED))
    return placed
