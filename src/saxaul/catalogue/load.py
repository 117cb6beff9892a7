"""Game data files → validated, frozen ``EnergyRules`` and ``SpeciesCatalogue`` values.

Why the same gates as methodology packs: the game's numbers are versioned data with a tag and a
source (``shared/docs/ant-forest-facts.md`` §6), so a file is checked for shape (the JSON
Schemas in ``saxaul/packs/schema/``, so an editor or CI can check it without Saxaul), then for
meaning (shares in (0, 1], unique ids, every cited source present, a sink only where a source
states one), and is named by a content hash of its parsed document (canonical JSON, as
``saxaul.methodology.load`` does), so re-wrapping a comment keeps the hash and changing any
value changes it. Each refusal is a ``PackInvalid`` naming the field a person must fix.

Why its own small copy of the schema gate: this package may import only the standard library,
jsonschema and ``saxaul.domain``.

Example: ``shipped_species().get("saxaul").energy_cost_g == 17_900``; a catalogue whose saxaul
cites a missing source is refused with ``field="species[0].sink_kg_co2.source"``.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import tomllib
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator

from saxaul.domain.content import content_hash
from saxaul.domain.errors import PackInvalid
from saxaul.domain.game_rules import (
    EnergyRules,
    GameSource,
    Partner,
    Provenance,
    Region,
    SinkEstimate,
    Species,
    SpeciesCatalogue,
    StealRounding,
    SurvivalAssumption,
    Tag,
)

ENERGY_SCHEMA = "schema/energy-rules.schema.json"
SPECIES_SCHEMA = "schema/species-catalogue.schema.json"
_RELEASE = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")

PathPart = str | int
_Versioned = TypeVar("_Versioned", EnergyRules, SpeciesCatalogue)


def load_energy_rules(path: Path) -> EnergyRules:
    """Read, validate and build the energy rules in ``path`` (UTF-8 TOML)."""
    return energy_rules_from_text(_read(path), str(path))


def energy_rules_from_text(text: str, origin: str) -> EnergyRules:
    """Validate and build energy rules from TOML text; ``origin`` names it in every refusal."""
    document = _parse(text, origin)
    _check_schema(document, ENERGY_SCHEMA, origin)
    _check_energy(document, origin)
    return _build_energy(document, content_hash(document))


def load_species(path: Path) -> SpeciesCatalogue:
    """Read, validate and build the species catalogue in ``path`` (UTF-8 TOML)."""
    return species_from_text(_read(path), str(path))


def species_from_text(text: str, origin: str) -> SpeciesCatalogue:
    """Validate and build a species catalogue from TOML text; ``origin`` names it in refusals."""
    document = _parse(text, origin)
    _check_schema(document, SPECIES_SCHEMA, origin)
    _check_species(document, origin)
    return _build_species(document, content_hash(document))


def shipped_energy_rules() -> EnergyRules:
    """The newest release under ``saxaul/packs/rules/energy/<version>/rules.toml``."""
    path = _newest("rules/energy", "rules.toml")
    return _in_own_directory(load_energy_rules(path), path)


def shipped_species() -> SpeciesCatalogue:
    """The newest release under ``saxaul/packs/catalogue/species/<version>/species.toml``."""
    path = _newest("catalogue/species", "species.toml")
    return _in_own_directory(load_species(path), path)


# ---------------------------------------------------------------- files and shape


def _invalid(origin: str, parts: Sequence[PathPart], reason: str) -> PackInvalid:
    """A refusal whose detail reads on its own (file, place, reason) and whose fields index it."""
    field = _field_path(parts)
    where = f"{origin}: {field}: " if field else f"{origin}: "
    return PackInvalid(where + reason, field=field, origin=origin)


def _field_path(parts: Iterable[PathPart]) -> str:
    """``["species", 0, "cost"]`` → ``species[0].cost`` (``""`` means the whole file)."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _read(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        raise _invalid(str(path), [], f"cannot read the file: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise _invalid(
            str(path), [], f"is not UTF-8 text (bad byte at offset {error.start}); save it as UTF-8"
        ) from None


def _parse(text: str, origin: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _invalid(origin, [], f"TOML syntax error: {error}") from None


def _is_integer(_checker: object, instance: object) -> bool:
    """JSON Schema counts 24.0 as an integer; a data file writes 24 (one spelling, one hash)."""
    return isinstance(instance, int) and not isinstance(instance, bool)


@functools.cache
def _validator(resource: str) -> Validator:
    """Draft 2020-12 with TOML's integers, for the schema shipped at ``resource``."""
    schema = json.loads(resources.files("saxaul.packs").joinpath(resource).read_text("utf-8"))
    strict = validators.create(
        meta_schema=Draft202012Validator.META_SCHEMA,
        validators=Draft202012Validator.VALIDATORS,
        type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer),
    )
    return strict(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _check_schema(document: Mapping[str, Any], resource: str, origin: str) -> None:
    """Refuse the most relevant schema problem, pointing at the field itself when it can."""
    error = best_match(_validator(resource).iter_errors(document))
    if error is None:
        return
    path: list[PathPart] = list(error.absolute_path)
    instance: Any = error.instance
    node: Mapping[str, Any] = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "required":
        missing = [name for name in error.validator_value if name not in instance]
        raise _invalid(origin, [*path, missing[0]], error.message)
    if error.validator == "additionalProperties":
        unknown = sorted(set(instance) - set(node.get("properties", {})))
        allowed = ", ".join(sorted(node.get("properties", {})))
        raise _invalid(origin, [*path, unknown[0]], f"unknown field; allowed here: {allowed}")
    description = node.get("description", "")
    expected = f"; expected {description}" if description else ""
    raise _invalid(origin, path, error.message + expected)


# ---------------------------------------------------------------- meaning


def _unique_ids(items: Sequence[Mapping[str, Any]], name: str, origin: str) -> set[str]:
    seen: set[str] = set()
    for i, item in enumerate(items):
        if item["id"] in seen:
            raise _invalid(origin, [name, i, "id"], f"{item['id']!r} is used twice; ids are unique")
        seen.add(item["id"])
    return seen


def _check_cites(
    tagged: Mapping[str, Any], parts: list[PathPart], sources: set[str], origin: str
) -> None:
    if tagged["source"] not in sources:
        known = ", ".join(sorted(sources))
        raise _invalid(
            origin, [*parts, "source"], f"cites {tagged['source']!r}; sources here: {known}"
        )


def _check_fraction(value: str, parts: list[PathPart], origin: str) -> Decimal:
    share = Decimal(value)
    if not Decimal(0) < share <= Decimal(1):
        raise _invalid(origin, parts, f"is {value}; expected a share in (0, 1]")
    return share


def _check_distinct(values: Sequence[int], parts: list[PathPart], origin: str) -> None:
    for i, value in enumerate(values):
        if value in values[:i]:
            raise _invalid(origin, [*parts, i], f"{value} is listed twice; values are distinct")


def _check_energy(doc: Mapping[str, Any], origin: str) -> None:
    """Refuse schema-valid energy rules whose parts do not fit together."""
    try:
        zoneinfo.ZoneInfo(doc["timezone"])
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise _invalid(
            origin, ["timezone"], f"{doc['timezone']!r} is not an IANA time zone"
        ) from None
    sources = _unique_ids(doc["sources"], "sources", origin)
    rules = doc["rules"]
    for name, rule in rules.items():
        _check_cites(rule, ["rules", name], sources, origin)
    _check_fraction(rules["steal_share"]["value"], ["rules", "steal_share", "value"], origin)
    for name in ("protection_cover_h", "watering_steps_g"):
        _check_distinct(rules[name]["value"], ["rules", name, "value"], origin)


def _check_species(doc: Mapping[str, Any], origin: str) -> None:
    """Refuse a schema-valid catalogue whose parts do not fit together.

    A sink is the one number reports may show as CO2 taken up, so it needs a source that
    states it: an unconfirmed (U) or zero sink is refused rather than shipped.
    """
    sources = _unique_ids(doc["sources"], "sources", origin)
    _unique_ids(doc["species"], "species", origin)
    for i, species in enumerate(doc["species"]):
        here: list[PathPart] = ["species", i]
        for part in ("cost", "region", "partner", "sink_kg_co2", "survival"):
            if part in species:
                _check_cites(species[part], [*here, part], sources, origin)
        sink = species.get("sink_kg_co2")
        if sink is not None:
            if sink["status"] == Tag.UNCONFIRMED:
                raise _invalid(
                    origin,
                    [*here, "sink_kg_co2", "status"],
                    "is U; a sink is shipped only when a source states it (omit it otherwise)",
                )
            if Decimal(sink["value"]) <= 0:
                raise _invalid(origin, [*here, "sink_kg_co2", "value"], "must be above 0")
        survival = species["survival"]
        rate = _check_fraction(survival["rate"], [*here, "survival", "rate"], origin)
        irrigated = _check_fraction(
            survival["irrigated_rate"], [*here, "survival", "irrigated_rate"], origin
        )
        if irrigated < rate:
            raise _invalid(
                origin,
                [*here, "survival", "irrigated_rate"],
                f"is {irrigated}, below the rate without irrigation ({rate})",
            )


# ---------------------------------------------------------------- building values


def _provenance(tagged: Mapping[str, Any]) -> Provenance:
    return Provenance(
        tag=Tag(tagged["status"]), source_id=tagged["source"], note=tagged.get("note", "")
    )


def _sources(doc: Mapping[str, Any]) -> tuple[GameSource, ...]:
    return tuple(
        GameSource(id=s["id"], title=s["title"], address=s["address"], locator=s["locator"])
        for s in doc["sources"]
    )


def _build_energy(doc: Mapping[str, Any], digest: str) -> EnergyRules:
    """Map a valid document onto ``EnergyRules`` (the only place that knows both shapes)."""
    rules = doc["rules"]

    def value(name: str) -> Any:
        return rules[name]["value"]

    return EnergyRules(
        id=doc["id"],
        version=doc["version"],
        timezone=doc["timezone"],
        ripening_delay=dt.timedelta(hours=value("ripening_delay_h")),
        expiry_after_ripe=dt.timedelta(hours=value("expiry_after_ripe_h")),
        steal_share=Decimal(value("steal_share")),
        steal_rounding=StealRounding(value("steal_rounding")),
        steals_per_ball_per_friend=value("steals_per_ball_per_friend"),
        daily_steal_limit=value("daily_steal_limit"),
        min_steal_g=value("min_steal_g"),
        protection_covers=tuple(dt.timedelta(hours=h) for h in value("protection_cover_h")),
        watering_steps_g=tuple(value("watering_steps_g")),
        daily_watering_limit=value("daily_watering_limit"),
        provenance=tuple((name, _provenance(rule)) for name, rule in rules.items()),
        sources=_sources(doc),
        content_hash=digest,
    )


def _build_species(doc: Mapping[str, Any], digest: str) -> SpeciesCatalogue:
    """Map a valid document onto ``SpeciesCatalogue`` (the only place that knows both shapes)."""
    return SpeciesCatalogue(
        id=doc["id"],
        version=doc["version"],
        species=tuple(_one_species(s) for s in doc["species"]),
        sources=_sources(doc),
        content_hash=digest,
    )


def _one_species(doc: Mapping[str, Any]) -> Species:
    region, partner, survival = doc["region"], doc["partner"], doc["survival"]
    sink = doc.get("sink_kg_co2")
    return Species(
        id=doc["id"],
        name_zh=doc["name_zh"],
        name_en=doc["name_en"],
        scientific_name=doc["scientific_name"],
        energy_cost_g=doc["energy_cost_g"],
        cost_provenance=_provenance(doc["cost"]),
        region=Region(region["name_en"], region["name_zh"], _provenance(region)),
        partner=Partner(partner["name_en"], partner["name_zh"], _provenance(partner)),
        sink=None if sink is None else SinkEstimate(Decimal(sink["value"]), _provenance(sink)),
        survival=SurvivalAssumption(
            rate=Decimal(survival["rate"]),
            irrigated_rate=Decimal(survival["irrigated_rate"]),
            provenance=_provenance(survival),
        ),
    )


# ---------------------------------------------------------------- shipped files


def _newest(kind: str, filename: str) -> Path:
    """The ``<kind>/<major.minor.patch>/<filename>`` with the highest release number.

    The package is installed as files (a wheel or an editable install), so its resource root
    is a real directory. Pre-release directories are never picked as the shipped default.
    """
    root = Path(str(resources.files("saxaul.packs"))) / kind
    releases = [path for path in root.glob(f"*/{filename}") if _RELEASE.match(path.parent.name)]
    if not releases:
        raise _invalid(str(root), [], f"no released {filename} is shipped here")
    return max(releases, key=lambda p: tuple(int(n) for n in p.parent.name.split(".")))


def _in_own_directory(loaded: _Versioned, path: Path) -> _Versioned:
    """A copied directory whose ``version`` was not bumped would be a second, different one."""
    if loaded.version != path.parent.name:
        raise _invalid(
            str(path),
            ["version"],
            f"is {loaded.version!r} but the file sits in directory {path.parent.name!r}",
        )
    return loaded
