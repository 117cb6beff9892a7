"""The shape gate: a document against its JSON Schema in ``saxaul/packs/schema/``.

Why JSON Schema (draft 2020-12): an operator's editor or CI can check a data file without
Saxaul. Why this wrapper: jsonschema reports every problem in its own words; a person needs the
most relevant one, at a path they can find in the file, with what was expected there (the
schema's own ``description``), and how many more problems follow.

Example: ``max_g = "29x"`` in a pack is refused as ``behaviours[2].caps.max_g: '29x' is not
valid; expected the most grams credited per period, a quoted decimal such as "296"``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError, best_match
from jsonschema.protocols import Validator

from saxaul.datafiles.document import PathPart, field_path, invalid


@functools.cache
def schema(resource: str) -> dict[str, Any]:
    """The JSON Schema shipped at ``saxaul/packs/<resource>``, read once."""
    text = resources.files("saxaul.packs").joinpath(resource).read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _is_integer(_checker: object, instance: object) -> bool:
    """JSON Schema counts 2019.0 as an integer; a data file writes 2019 (one spelling, one hash)."""
    return isinstance(instance, int) and not isinstance(instance, bool)


@functools.cache
def _validator(resource: str) -> Validator:
    """Draft 2020-12, but with TOML's integers: ``year = 2019.0`` is refused, not coerced."""
    strict = validators.create(
        meta_schema=Draft202012Validator.META_SCHEMA,
        validators=Draft202012Validator.VALIDATORS,
        type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer),
    )
    return strict(schema(resource), format_checker=Draft202012Validator.FORMAT_CHECKER)


def check_schema(document: Mapping[str, Any], resource: str, origin: str) -> None:
    """Refuse a document the schema rejects, naming the most relevant problem first."""
    errors = list(_validator(resource).iter_errors(document))
    if not errors:
        return
    error = best_match(errors)
    assert error is not None  # errors is non-empty
    field, reason = _Explainer(schema(resource)).explain(error)
    more = len({_problem_key(e) for e in errors}) - 1
    if more:
        reason += f" ({more} more problem{'s' if more > 1 else ''} found after this one)"
    raise invalid(origin, field, reason)


def _problem_key(error: ValidationError) -> tuple[object, ...]:
    """jsonschema reports each missing field apart; a person fixes one table's at once."""
    if error.validator == "required":
        return (tuple(error.absolute_path), "required")
    return (tuple(error.absolute_path), tuple(error.absolute_schema_path))


class _Explainer:
    """Turns a jsonschema error into (field path, an actionable reason) for one schema."""

    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root

    def explain(self, error: ValidationError) -> tuple[str, str]:
        path: list[PathPart] = list(error.absolute_path)
        node, slot = self._nodes([str(k) for k in error.absolute_schema_path][:-1])
        keyword, instance = error.validator, _any(error.instance)
        value = _any(error.validator_value)
        if keyword == "required":
            missing = [name for name in value if name not in instance]
            expected = self._describe(node["properties"][missing[0]])
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
        expected = self._describe(slot) or self._describe(node)
        if keyword == "type":
            return field_path(path), f"is {_kind(instance)} ({instance!r}); expected {expected}"
        if keyword == "minItems" and not instance:
            return field_path(path), f"is empty; expected {expected}"
        return field_path(path), f"{instance!r} is not valid; expected {expected}"

    def _nodes(self, keywords: Sequence[str]) -> tuple[dict[str, Any], dict[str, Any]]:
        """Walk the schema to the failing node; also return the property slot that holds it.

        jsonschema leaves ``$ref`` out of error paths, so a step that is not in a node goes
        through the node's reference. The slot's own description ("the most grams credited per
        period") beats the generic one of the shared definition it refers to.
        """
        node: Mapping[str, Any] = self.root
        slot: Mapping[str, Any] = self.root
        previous = ""
        for keyword in keywords:
            if keyword not in node:
                node = self._resolve(node)
            node = node[keyword]
            if previous == "properties" or keyword == "items":
                slot = node
            previous = keyword
        return self._resolve(node), dict(slot)

    def _resolve(self, node: Mapping[str, Any]) -> dict[str, Any]:
        """Follow a local ``#/$defs/...`` reference, keeping the referring node's description."""
        ref = node.get("$ref")
        if ref is None:
            return dict(node)
        target = dict(self.root["$defs"][ref.rsplit("/", 1)[1]])
        if "description" in node:
            target["description"] = node["description"]
        return target

    def _describe(self, node: Mapping[str, Any]) -> str:
        return str(self._resolve(node).get("description", ""))


def _any(value: object) -> Any:
    """jsonschema types error parts as ``Any | Unset``; they are set on every yielded error."""
    return value


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
