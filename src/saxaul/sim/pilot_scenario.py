"""The simulation scenario file → a validated, frozen ``SimScenario``.

Why a data file: the simulator's numbers (who joins when, their gender, age and province, how
often they pay or ride, how they play) are calibrated to the seed report's tables, and each
needs its source and status tag beside it, as every other number Saxaul ships. The file goes
through the one loader path of versioned data (``saxaul.datafiles``: UTF-8 TOML, its JSON
Schema, cited sources, the shipped layout ``packs/scenarios/<id>/<version>/scenario.toml``);
this module adds what the numbers must mean together (shares summing to one, a rising
enrolment curve).

Example: ``load_scenario("pilot-2016").participants == 200_000``; ``"pilot-2016@1.0.0"`` names
a version and a path names any file.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from saxaul.datafiles import (
    PathPart,
    check_cites,
    check_schema,
    field_path,
    in_own_directory,
    invalid,
    newest_release,
    parse_document,
    read_text,
    shipped_paths,
    unique_ids,
)

SCHEMA = "schema/sim-scenario.schema.json"
KIND = "scenarios"
FILENAME = "scenario.toml"
DEFAULT = "pilot-2016"
SUM_TOLERANCE = 1e-3
"""How far shares may sum from one (rounding in a hand-written file)."""


@dataclass(frozen=True, slots=True)
class BehaviourRate:
    """Events of one behaviour per active participant per day."""

    id: str
    source_system: str
    rate_per_day: float


@dataclass(frozen=True, slots=True)
class Play:
    """How participants play the forest (``--play``), and the totals a run aims at."""

    collect_daily_share: float
    collect_other_per_day: float
    steal_share: float
    steal_friends: int
    plant_share: float
    species: str
    target_avoided_t: float
    target_trees: int


@dataclass(frozen=True, slots=True)
class SimScenario:
    """A validated scenario: every number of the synthetic population and its behaviour."""

    id: str
    version: str
    scale: int
    start: dt.date
    days: int
    participants: int
    timezone: str
    months: tuple[dt.date, ...]
    """The first day of each enrolment month."""
    cumulative_share: tuple[float, ...]
    women_share: tuple[float, ...]
    unstated_share: float
    age_bands: tuple[tuple[int, int, float], ...]
    ages_at: str
    """``start`` or ``end``: the simulated day whose year the age bands are ages in."""
    """(min age, max age, share)."""
    provinces: tuple[tuple[str, float], ...]
    active_share: float
    skew_sigma: float
    max_multiplier: float
    behaviours: tuple[BehaviourRate, ...]
    median_steps: int
    steps_sigma: float
    mean_degree: int
    play: Play

    @property
    def ref(self) -> str:
        """``id@version``, as the output's README names it."""
        return f"{self.id}@{self.version}"


def load_scenario(ref: str = DEFAULT) -> SimScenario:
    """A shipped scenario by ``id`` (newest release) or ``id@version``, or a file by path."""
    if ref.endswith(".toml"):
        return scenario_from_text(read_text(Path(ref)), ref)
    name, _, version = ref.partition("@")
    if version:
        paths = shipped_paths(f"{KIND}/{name}/{version}/{FILENAME}")
        if not paths:
            raise invalid(ref, "", f"no shipped scenario {name} at version {version}")
        path = paths[0]
    else:
        path = newest_release(f"{KIND}/{name}", FILENAME)
    scenario = scenario_from_text(read_text(path), str(path))
    layout = "scenarios/<id>/<version>/scenario.toml"
    in_own_directory(path, "version", scenario.version, layout=layout)
    in_own_directory(path, "id", scenario.id, layout=layout)
    return scenario


def scenario_from_text(text: str, origin: str) -> SimScenario:
    """Validate and build a scenario from TOML text; ``origin`` names it in refusals."""
    doc = parse_document(text, origin)
    check_schema(doc, SCHEMA, origin)
    _check(doc, origin)
    return _build(doc)


def _sums_to_one(shares: Sequence[float], parts: list[PathPart], origin: str) -> None:
    total = math.fsum(shares)
    if abs(total - 1.0) > SUM_TOLERANCE:
        raise invalid(origin, field_path(parts), f"shares sum to {total:.4f}; expected 1")


def _check(doc: Mapping[str, Any], origin: str) -> None:
    sources = unique_ids(doc, "sources", origin)
    for section in ("enrolment", "provinces", "activity", "walking", "social", "play"):
        check_cites(doc[section]["source"], [section, "source"], sources, origin)
    for array in ("age_bands", "behaviours"):
        for i, item in enumerate(doc[array]):
            check_cites(item["source"], [array, i, "source"], sources, origin)
    unique_ids(doc, "behaviours", origin)
    enrolment = doc["enrolment"]
    months = len(enrolment["months"])
    for name in ("cumulative_share", "women_share"):
        if len(enrolment[name]) != months:
            raise invalid(
                origin,
                f"enrolment.{name}",
                f"has {len(enrolment[name])} values for {months} months",
            )
    curve = enrolment["cumulative_share"]
    if any(b < a for a, b in itertools.pairwise(curve)) or curve[-1] != 1:
        raise invalid(origin, "enrolment.cumulative_share", "must rise to exactly 1")
    _sums_to_one([band["share"] for band in doc["age_bands"]], ["age_bands"], origin)
    for i, band in enumerate(doc["age_bands"]):
        if band["min_age"] > band["max_age"]:
            raise invalid(origin, f"age_bands[{i}]", "min_age is above max_age")
    _sums_to_one([p["share"] for p in doc["provinces"]["shares"]], ["provinces", "shares"], origin)
    if doc["social"]["mean_degree"] % 2:
        raise invalid(origin, "social.mean_degree", "must be even (each newcomer adds half)")


def _build(doc: Mapping[str, Any]) -> SimScenario:
    enrolment, activity, play = doc["enrolment"], doc["activity"], doc["play"]
    return SimScenario(
        id=doc["id"],
        version=doc["version"],
        scale=doc["scale"],
        start=dt.date.fromisoformat(doc["start"]),
        days=doc["days"],
        participants=doc["participants"],
        timezone=doc["timezone"],
        months=tuple(dt.date.fromisoformat(f"{m}-01") for m in enrolment["months"]),
        cumulative_share=tuple(float(s) for s in enrolment["cumulative_share"]),
        women_share=tuple(float(s) for s in enrolment["women_share"]),
        unstated_share=float(enrolment["unstated_share"]),
        age_bands=tuple((b["min_age"], b["max_age"], float(b["share"])) for b in doc["age_bands"]),
        ages_at=doc.get("ages_at", "start"),
        provinces=tuple((p["name"], float(p["share"])) for p in doc["provinces"]["shares"]),
        active_share=float(activity["active_share"]),
        skew_sigma=float(activity["skew_sigma"]),
        max_multiplier=float(activity["max_multiplier"]),
        behaviours=tuple(
            BehaviourRate(b["id"], b["source_system"], float(b["rate_per_day"]))
            for b in doc["behaviours"]
        ),
        median_steps=doc["walking"]["median_steps"],
        steps_sigma=float(doc["walking"]["sigma"]),
        mean_degree=doc["social"]["mean_degree"],
        play=Play(
            collect_daily_share=float(play["collect_daily_share"]),
            collect_other_per_day=float(play["collect_other_per_day"]),
            steal_share=float(play["steal_share"]),
            steal_friends=play["steal_friends"],
            plant_share=float(play["plant_share"]),
            species=play["species"],
            target_avoided_t=float(play["target_avoided_t"]),
            target_trees=play["target_trees"],
        ),
    )
