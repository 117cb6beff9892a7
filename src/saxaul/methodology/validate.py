"""The two gates a pack document passes before it becomes a ``Pack``: shape, then meaning.

Shape is the JSON Schema in ``saxaul/packs/schema/methodology-pack.schema.json`` (draft
2020-12), so an operator's editor or CI can check a pack without Saxaul. Meaning is what a schema
cannot say: references resolve, units agree, numbers are whole milligrams, the time zone exists.
Both gates stop at the first problem and name it by a path a person can find in the file.

Example: a behaviour citing a missing factor is refused as
``PackInvalid("pack.toml: behaviours[2].factors[0]: cites factor 'metro_g', ...",
field="behaviours[2].factors[0]")``.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from saxaul.datafiles import (
    PathPart,
    check_cites,
    check_schema,
    field_path,
    invalid,
    unique_ids,
)
from saxaul.datafiles import schema as data_schema
from saxaul.domain.errors import PackInvalid
from saxaul.domain.units import MASS_UNIT_IN_MG

SCHEMA_RESOURCE = "schema/methodology-pack.schema.json"
FACTOR_COUNT = {"fixed_per_activity": 1, "per_unit": 1, "baseline_minus_project": 2}


def schema() -> dict[str, Any]:
    """The pack JSON Schema, read once from the installed package data."""
    return data_schema(SCHEMA_RESOURCE)


def check_shape(document: Mapping[str, Any], origin: str) -> None:
    """Refuse a document the pack schema rejects, naming the most relevant problem first."""
    check_schema(document, SCHEMA_RESOURCE, origin)


def check_semantics(document: Mapping[str, Any], origin: str) -> None:
    """Refuse a schema-valid document whose parts do not fit together."""
    _Semantics(document, origin).check()


class _Semantics:
    """One pass over a schema-valid document; each ``_check_*`` raises on the first problem."""

    def __init__(self, document: Mapping[str, Any], origin: str) -> None:
        self.doc = document
        self.origin = origin

    def fail(self, parts: Sequence[PathPart], reason: str) -> PackInvalid:
        return invalid(self.origin, field_path(parts), reason)

    def check(self) -> None:
        self._check_calendar()
        sources = self._unique_ids("sources")
        factors = self._unique_ids("factors")
        for i, factor in enumerate(self.doc["factors"]):
            self._check_factor(i, factor, sources)
        behaviours = self._unique_ids("behaviours")
        for i, behaviour in enumerate(self.doc["behaviours"]):
            self._check_behaviour(i, behaviour, factors)
        self._check_activities()
        self._unique_ids("vectors")
        for i, vector in enumerate(self.doc.get("vectors", [])):
            if vector["behaviour"] not in behaviours:
                known = ", ".join(behaviours)
                raise self.fail(
                    ["vectors", i, "behaviour"],
                    f"names behaviour {vector['behaviour']!r}, which the pack does not define "
                    f"(behaviours: {known})",
                )
            self._whole_mg(["vectors", i, "expected_total_g"], vector["expected_total_g"], "g")

    def _check_calendar(self) -> None:
        try:
            zoneinfo.ZoneInfo(self.doc["timezone"])
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise self.fail(
                ["timezone"],
                f"{self.doc['timezone']!r} is not a known IANA time zone; "
                "use a name such as 'Asia/Shanghai' or 'Europe/London'",
            ) from None
        start = dt.date.fromisoformat(self.doc["effective_from"])
        end = self.doc.get("effective_to")
        if end is not None and dt.date.fromisoformat(end) < start:
            raise self.fail(
                ["effective_to"],
                f"{end} is before effective_from {start}; the pack would never apply",
            )

    def _unique_ids(self, array: str) -> dict[str, Mapping[str, Any]]:
        return unique_ids(self.doc, array, self.origin)

    def _check_factor(self, i: int, factor: Mapping[str, Any], sources: Mapping[str, Any]) -> None:
        check_cites(factor["source"], ["factors", i, "source"], sources, self.origin)
        mass = factor["unit"].split()[0]
        if mass not in MASS_UNIT_IN_MG:
            raise self.fail(
                ["factors", i, "unit"],
                f"{factor['unit']!r} starts with {mass!r}; the mass unit must be one of "
                f"{', '.join(MASS_UNIT_IN_MG)} (e.g. 'g CO2/passenger-km')",
            )
        self._whole_mg(["factors", i, "value"], factor["value"], mass)

    def _whole_mg(self, parts: Sequence[PathPart], value: str, mass: str) -> None:
        """Scorers work in whole milligrams; a sub-milligram figure would be silently cut."""
        mg = Decimal(value) * MASS_UNIT_IN_MG[mass]
        if mg != mg.to_integral_value():
            raise self.fail(
                parts,
                f"{value} {mass} is {mg} mg, not a whole number of milligrams; round it "
                "down (conservatively) to whole mg, or use a larger activity unit",
            )

    def _check_behaviour(
        self, i: int, behaviour: Mapping[str, Any], factors: Mapping[str, Mapping[str, Any]]
    ) -> None:
        formula, ids = behaviour["formula"], behaviour["factors"]
        if len(ids) != FACTOR_COUNT[formula]:
            shape = "[baseline, project]" if formula == "baseline_minus_project" else "[one id]"
            raise self.fail(
                ["behaviours", i, "factors"],
                f"formula {formula} takes {FACTOR_COUNT[formula]} factor(s) written {shape}; "
                f"got {len(ids)}",
            )
        for j, factor_id in enumerate(ids):
            if factor_id not in factors:
                raise self.fail(
                    ["behaviours", i, "factors", j],
                    f"cites factor {factor_id!r}, which the pack does not define "
                    f"(factors: {', '.join(factors)})",
                )
        if formula == "baseline_minus_project":
            self._check_comparable(i, factors[ids[0]], factors[ids[1]])
        self._check_caps(["behaviours", i, "caps"], behaviour.get("caps", {}))

    def _check_activities(self) -> None:
        """Two behaviours of one pack measuring one real activity would pay twice for it."""
        first: dict[str, int] = {}
        for i, behaviour in enumerate(self.doc["behaviours"]):
            activity = behaviour.get("activity")
            if activity is None:
                continue
            if activity in first:
                other = self.doc["behaviours"][first[activity]]["id"]
                raise self.fail(
                    ["behaviours", i, "activity"],
                    f"{activity!r} is already measured by behaviours[{first[activity]}] "
                    f"({other}); one real activity is scored by one behaviour, so an event "
                    "sent under both cannot earn twice",
                )
            first[activity] = i

    def _check_comparable(
        self, i: int, baseline: Mapping[str, Any], project: Mapping[str, Any]
    ) -> None:
        """Baseline minus project only means something when both count the same gas per unit."""
        (_, base_gas, base_per), (_, gas, per) = _unit_parts(baseline), _unit_parts(project)
        if (base_gas, base_per) != (gas, per):
            raise self.fail(
                ["behaviours", i, "factors", 1],
                f"project factor {project['id']!r} counts {gas} per {per} but baseline factor "
                f"{baseline['id']!r} counts {base_gas} per {base_per}; both must count the same "
                "gas per the same unit (restate one and explain the conversion in its note)",
            )

    def _check_caps(self, parts: list[PathPart], caps: Mapping[str, Any]) -> None:
        limits = [key for key in ("max_count", "max_g") if key in caps]
        if "period" in caps and not limits:
            raise self.fail(
                [*parts, "period"],
                "a period limits nothing on its own; add max_count and/or max_g, or drop it",
            )
        if limits and "period" not in caps:
            raise self.fail(
                [*parts, "period"],
                f'{" and ".join(limits)} need a period to count over: "day" or "month"',
            )
        for key in ("max_g", "per_event_max_g"):
            if key in caps:
                if Decimal(caps[key]) == 0:
                    raise self.fail(
                        [*parts, key],
                        "is 0, so the behaviour could never earn anything; remove the behaviour "
                        "or raise the cap",
                    )
                self._whole_mg([*parts, key], caps[key], "g")


def _unit_parts(factor: Mapping[str, Any]) -> tuple[str, str, str]:
    """``"kg CO2e/passenger-km"`` → ``("kg", "CO2e", "passenger-km")`` (shape fixed by schema)."""
    amount, per = factor["unit"].split("/", 1)
    mass, gas = amount.split()
    return mass, gas, per
