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
import functools
import json
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError, best_match
from jsonschema.protocols import Validator

from saxaul.domain.errors import PackInvalid
from saxaul.domain.units import MASS_UNIT_IN_MG

SCHEMA_RESOURCE = "schema/methodology-pack.schema.json"
FACTOR_COUNT = {"fixed_per_activity": 1, "per_unit": 1, "baseline_minus_project": 2}

PathPart = str | int


def field_path(parts: Iterable[PathPart]) -> str:
    """``["behaviours", 2, "caps", "max_g"]`` → ``behaviours[2].caps.max_g`` (``""`` = file)."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def pack_invalid(origin: str, field: str, reason: str, **extra: Any) -> PackInvalid:
    """A refusal whose detail reads on its own (file, place, reason) and whose fields index it."""
    where = f"{origin}: {field}: " if field else f"{origin}: "
    return PackInvalid(where + reason, field=field, origin=origin, **extra)


@functools.cache
def schema() -> dict[str, Any]:
    """The pack JSON Schema, read once from the installed package data."""
    text = resources.files("saxaul.packs").joinpath(SCHEMA_RESOURCE).read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _is_integer(_checker: object, instance: object) -> bool:
    """JSON Schema counts 2019.0 as an integer; a pack writes 2019 (one spelling, one hash)."""
    return isinstance(instance, int) and not isinstance(instance, bool)


@functools.cache
def _validator() -> Validator:
    """Draft 2020-12, but with TOML's integers: ``year = 2019.0`` is refused, not coerced."""
    strict = validators.create(
        meta_schema=Draft202012Validator.META_SCHEMA,
        validators=Draft202012Validator.VALIDATORS,
        type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer),
    )
    return strict(schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)


def check_schema(document: Mapping[str, Any], origin: str) -> None:
    """Refuse a document the schema rejects, naming the most relevant problem first."""
    errors = list(_validator().iter_errors(document))
    if not errors:
        return
    error = best_match(errors)
    assert error is not None  # errors is non-empty
    field, reason = _explain(error)
    more = len({_problem_key(e) for e in errors}) - 1
    if more:
        reason += f" ({more} more problem{'s' if more > 1 else ''} found after this one)"
    raise pack_invalid(origin, field, reason)


def _problem_key(error: ValidationError) -> tuple[object, ...]:
    """jsonschema reports each missing field apart; a person fixes one table's at once."""
    if error.validator == "required":
        return (tuple(error.absolute_path), "required")
    return (tuple(error.absolute_path), tuple(error.absolute_schema_path))


def _explain(error: ValidationError) -> tuple[str, str]:
    """Turn a jsonschema error into (field path, an actionable reason)."""
    path: list[PathPart] = list(error.absolute_path)
    node, slot = _schema_nodes([str(k) for k in error.absolute_schema_path][:-1])
    keyword, instance, value = error.validator, _any(error.instance), _any(error.validator_value)
    if keyword == "required":
        missing = [name for name in value if name not in instance]
        expected = _describe(node["properties"][missing[0]])
        names = ", ".join(f"`{name}`" for name in missing)
        plural = "s" if len(missing) > 1 else ""
        return field_path([*path, missing[0]]), (
            f"missing required field{plural} {names}; `{missing[0]}` is {expected}"
        )
    if keyword == "additionalProperties":
        allowed = sorted(node.get("properties", {}))
        unknown = sorted(set(instance) - set(allowed))
        return field_path([*path, unknown[0]]), (
            f"unknown field `{unknown[0]}`; allowed here: {', '.join(allowed)}"
        )
    expected = _describe(slot) or _describe(node)
    if keyword == "type":
        return field_path(path), f"is {_kind(instance)} ({instance!r}); expected {expected}"
    if keyword == "minItems" and not instance:
        return field_path(path), f"is empty; expected {expected}"
    return field_path(path), f"{instance!r} is not valid; expected {expected}"


def _any(value: object) -> Any:
    """jsonschema types error parts as ``Any | Unset``; they are set on every yielded error."""
    return value


def _schema_nodes(keywords: Sequence[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Walk the schema to the failing node; also return the property slot that holds it.

    jsonschema leaves ``$ref`` out of error paths, so a step that is not in a node goes through
    the node's reference. The slot's own description ("the most grams credited per period")
    beats the generic one of the shared definition it refers to ("a non-negative decimal").
    """
    node = slot = schema()
    previous = ""
    for keyword in keywords:
        if keyword not in node:
            node = _resolve(node)
        node = node[keyword]
        if previous == "properties" or keyword == "items":
            slot = node
        previous = keyword
    return _resolve(node), slot


def _resolve(node: Mapping[str, Any]) -> dict[str, Any]:
    """Follow a local ``#/$defs/...`` reference, keeping the referring node's description."""
    ref = node.get("$ref")
    if ref is None:
        return dict(node)
    target = dict(schema()["$defs"][ref.rsplit("/", 1)[1]])
    if "description" in node:
        target["description"] = node["description"]
    return target


def _describe(node: Mapping[str, Any]) -> str:
    return str(_resolve(node).get("description", ""))


def _kind(value: object) -> str:
    """Name a parsed value by its TOML type, because that is what the author wrote."""
    kinds: tuple[tuple[type, str], ...] = (
        (bool, "a boolean"),
        (int, "an integer"),
        (float, "a float"),
        (str, "a string"),
        (list, "an array"),
        (dict, "a table"),
    )
    return next(name for kind, name in kinds if isinstance(value, kind))


def check_semantics(document: Mapping[str, Any], origin: str) -> None:
    """Refuse a schema-valid document whose parts do not fit together."""
    _Semantics(document, origin).check()


class _Semantics:
    """One pass over a schema-valid document; each ``_check_*`` raises on the first problem."""

    def __init__(self, document: Mapping[str, Any], origin: str) -> None:
        self.doc = document
        self.origin = origin

    def fail(self, parts: Sequence[PathPart], reason: str) -> PackInvalid:
        return pack_invalid(self.origin, field_path(parts), reason)

    def check(self) -> None:
        self._check_calendar()
        sources = self._unique_ids("sources")
        factors = self._unique_ids("factors")
        for i, factor in enumerate(self.doc["factors"]):
            self._check_factor(i, factor, sources)
        behaviours = self._unique_ids("behaviours")
        for i, behaviour in enumerate(self.doc["behaviours"]):
            self._check_behaviour(i, behaviour, factors)
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
        """Index an array of tables by id, refusing the second use of an id."""
        seen: dict[str, Mapping[str, Any]] = {}
        for i, item in enumerate(self.doc.get(array, [])):
            if item["id"] in seen:
                first = next(j for j, x in enumerate(self.doc[array]) if x["id"] == item["id"])
                raise self.fail(
                    [array, i, "id"],
                    f"id {item['id']!r} is already used by {array}[{first}]; ids must be unique",
                )
            seen[item["id"]] = item
        return seen

    def _check_factor(self, i: int, factor: Mapping[str, Any], sources: Mapping[str, Any]) -> None:
        if factor["source"] not in sources:
            raise self.fail(
                ["factors", i, "source"],
                f"cites source {factor['source']!r}, which is not among the pack's [[sources]] "
                f"({', '.join(sources)})",
            )
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
