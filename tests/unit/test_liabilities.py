"""Fair allocation: the lowest fill ratio first, ties by project id; the waiting list in order."""

from __future__ import annotations

import datetime as dt

import pytest

from saxaul.catalogue import shipped_species
from saxaul.domain.liabilities import (
    Capacity,
    Liability,
    LiabilityStatus,
    Room,
    fairest,
    place_waiting,
)
from saxaul.domain.planting import PlantRefused

NOW = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
SAXAUL = shipped_species().get("saxaul")


def test_the_lowest_fill_ratio_wins_whatever_the_sizes() -> None:
    small, big = Room("a", "saxaul", 10, 5), Room("b", "saxaul", 100, 20)
    assert fairest([small, big], "saxaul") == big


def test_ties_go_to_the_lower_project_id_and_full_or_other_rooms_never_win() -> None:
    rooms = [Room("b", "saxaul", 10, 0), Room("a", "saxaul", 20, 0), Room("c", "saxaul", 1, 1)]
    assert fairest(rooms, "saxaul") == rooms[1]
    assert fairest([Room("c", "saxaul", 1, 1), Room("d", "caragana", 5, 0)], "saxaul") is None


def test_allocation_fills_projects_in_step_and_then_refuses() -> None:
    capacity = Capacity({"a": Room("a", "saxaul", 2, 0), "b": Room("b", "saxaul", 4, 0)}, False)
    placed = []
    for n in range(6):
        capacity.check(SAXAUL)
        placed.append(capacity.allocate(f"t{n}", "saxaul", NOW).project_id)
    assert placed == ["a", "b", "b", "a", "b", "b"]
    with pytest.raises(PlantRefused) as refused:
        capacity.check(SAXAUL)
    assert refused.value.code == "no_capacity" and refused.value.fields["species_zh"] == "梭梭"
    assert capacity.taken == {"a": 2, "b": 4}


def test_the_waiting_list_accepts_and_a_release_in_the_same_batch_frees_the_place() -> None:
    capacity = Capacity({"a": Room("a", "saxaul", 1, 0)}, True)
    first = capacity.allocate("t1", "saxaul", NOW)
    capacity.check(SAXAUL)
    second = capacity.allocate("t2", "saxaul", NOW)
    assert (first.status, second.status) == (LiabilityStatus.OWED, LiabilityStatus.WAITING)
    capacity.release("t1")
    assert capacity.taken["a"] == 0 and capacity.rooms["a"].allocated == 0
    assert [n.tree_id for n in capacity.liabilities] == ["t2"] and capacity.released == []
    capacity.release("t-stored")
    assert capacity.released == ["t-stored"]


def test_waiting_trees_are_placed_oldest_first() -> None:
    rooms = {"a": Room("a", "saxaul", 1, 0)}
    later = Liability("t1", "saxaul", None, LiabilityStatus.WAITING, NOW)
    older = Liability("t2", "saxaul", None, LiabilityStatus.WAITING, NOW - dt.timedelta(hours=1))
    (placed,) = place_waiting(rooms, [later, older])
    assert placed.tree_id == "t2" and placed.project_id == "a"
    assert placed.status is LiabilityStatus.OWED and rooms["a"].allocated == 1
