"""Game data files → validated, frozen ``EnergyRules``, ``AbuseRules`` and ``SpeciesCatalogue``
values.

Why the same gates as methodology packs: the game's numbers are versioned data with a tag and a
source, so a file is checked for shape (the JSON Schemas in ``saxaul/packs/schema/``, so an
editor or CI can check it without Saxaul), then for meaning (shares in (0, 1], unique ids, every
cited source present, a sink only where a source states one), and is named by a content hash of
its parsed document (canonical JSON, as ``saxaul.methodology.load`` does), so re-wrapping a
comment keeps the hash and changing any value — a source's title or address included — changes
it. A published version is never edited: balls and trees record the version that timed or
priced them, so a correction is a new version beside it (``energy@1.0.2`` beside ``1.0.1``).
Each refusal is a ``PackInvalid`` naming the field a person must fix.

Reading, parsing, the schema gate, source citations and the shipped-file layout are the
shared path of every versioned data file (``saxaul.datafiles``); this module adds only what
game data means.

Example: ``shipped_species().get("saxaul").energy_cost_g == 17_900``; a catalogue whose saxaul
cites a missing source is refused with ``field="species[0].sink_kg_co2.source"``.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

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
    unique_ids,
)
from saxaul.domain.abuse_rules import (
    NEEDS,
    PLAUSIBILITY_KINDS,
    AbuseRule,
    AbuseRules,
    RuleKind,
    Threshold,
)
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
ABUSE_SCHEMA = "schema/abuse-rules.schema.json"

_Versioned = TypeVar("_Versioned", EnergyRules, SpeciesCatalogue, AbuseRules)


def load_energy_rules(path: Path) -> EnergyRules:
    """Read, validate and build the energy rules in ``path`` (UTF-8 TOML)."""
    return energy_rules_from_text(read_text(path), str(path))


def energy_rules_from_text(text: str, origin: str) -> EnergyRules:
    """Validate and build energy rules from TOML text; ``origin`` names it in every refusal."""
    document = parse_document(text, origin)
    check_schema(document, ENERGY_SCHEMA, origin)
    _check_energy(document, origin)
    return _build_energy(document, content_hash(document))


def load_species(path: Path) -> SpeciesCatalogue:
    """Read, validate and build the species catalogue in ``path`` (UTF-8 TOML)."""
    return species_from_text(read_text(path), str(path))


def species_from_text(text: str, origin: str) -> SpeciesCatalogue:
    """Validate and build a species catalogue from TOML text; ``origin`` names it in refusals."""
    document = parse_document(text, origin)
    check_schema(document, SPECIES_SCHEMA, origin)
    _check_species(document, origin)
    return _build_species(document, content_hash(document))


def shipped_energy_rules() -> EnergyRules:
    """The newest release under ``saxaul/packs/rules/energy/<version>/rules.toml``."""
    path = newest_release("rules/energy", "rules.toml")
    return _in_own_directory(load_energy_rules(path), path)


def load_abuse_rules(path: Path) -> AbuseRules:
    """Read, validate and build the abuse rules in ``path`` (UTF-8 TOML)."""
    return abuse_rules_from_text(read_text(path), str(path))


def abuse_rules_from_text(text: str, origin: str) -> AbuseRules:
    """Validate and build abuse rules from TOML text; ``origin`` names it in every refusal."""
    document = parse_document(text, origin)
    check_schema(document, ABUSE_SCHEMA, origin)
    _check_abuse(document, origin)
    return _build_abuse(document, content_hash(document))


def shipped_abuse_rules() -> AbuseRules:
    """The newest release under ``saxaul/packs/rules/abuse/<version>/rules.toml``."""
    path = newest_release("rules/abuse", "rules.toml")
    return _in_own_directory(load_abuse_rules(path), path)


def shipped_species() -> SpeciesCatalogue:
    """The newest release under ``saxaul/packs/catalogue/species/<version>/species.toml``."""
    path = newest_release("catalogue/species", "species.toml")
    return _in_own_directory(load_species(path), path)


def _invalid(origin: str, parts: Sequence[PathPart], reason: str) -> PackInvalid:
    return invalid(origin, field_path(parts), reason)


# ---------------------------------------------------------------- meaning


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
    _check_zone(doc, origin)
    sources = unique_ids(doc, "sources", origin)
    rules = doc["rules"]
    for name, rule in rules.items():
        check_cites(rule["source"], ["rules", name, "source"], sources, origin)
    _check_fraction(rules["steal_share"]["value"], ["rules", "steal_share", "value"], origin)
    for name in ("protection_cover_h", "watering_steps_g"):
        _check_distinct(rules[name]["value"], ["rules", name, "value"], origin)


def _check_abuse(doc: Mapping[str, Any], origin: str) -> None:
    """Refuse schema-valid abuse rules whose parts do not fit together: a threshold citing a
    missing source, a kind missing a threshold it needs (or naming one it does not read), a
    plausibility rule without its behaviour, a speed rule without its duration attribute, a
    share outside (0, 1]."""
    _check_zone(doc, origin)
    sources = unique_ids(doc, "sources", origin)
    for name, rule in doc["rules"].items():
        here: list[PathPart] = ["rules", name]
        kind = RuleKind(rule["kind"])
        named = set(rule["thresholds"])
        if named != NEEDS[kind]:
            wanted = ", ".join(sorted(NEEDS[kind]))
            raise _invalid(
                origin,
                [*here, "thresholds"],
                f"names {sorted(named)}; a {kind} rule needs {wanted}",
            )
        if (kind in PLAUSIBILITY_KINDS) != ("behaviour" in rule):
            raise _invalid(
                origin,
                [*here, "behaviour"],
                "is needed by daily_quantity, daily_events and speed rules only",
            )
        if (kind is RuleKind.SPEED) != ("attribute" in rule):
            raise _invalid(origin, [*here, "attribute"], "is needed by speed rules only")
        for threshold, tagged in rule["thresholds"].items():
            at = [*here, "thresholds", threshold]
            check_cites(tagged["source"], [*at, "source"], sources, origin)
            if isinstance(tagged["value"], str):
                _check_fraction(tagged["value"], [*at, "value"], origin)


def _check_zone(doc: Mapping[str, Any], origin: str) -> None:
    try:
        zoneinfo.ZoneInfo(doc["timezone"])
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise _invalid(
            origin, ["timezone"], f"{doc['timezone']!r} is not an IANA time zone"
        ) from None


def _check_species(doc: Mapping[str, Any], origin: str) -> None:
    """Refuse a schema-valid catalogue whose parts do not fit together.

    A sink is the one number reports may show as CO2 taken up, so it needs a source that
    states it: an unconfirmed (U) or zero sink is refused rather than shipped.
    """
    sources = unique_ids(doc, "sources", origin)
    unique_ids(doc, "species", origin)
    for i, species in enumerate(doc["species"]):
        here: list[PathPart] = ["species", i]
        for part in ("cost", "region", "partner", "sink_kg_co2", "survival"):
            if part in species:
                check_cites(species[part]["source"], [*here, part, "source"], sources, origin)
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


def _build_abuse(doc: Mapping[str, Any], digest: str) -> AbuseRules:
    """Map a valid document onto ``AbuseRules`` (the only place that knows both shapes)."""
    return AbuseRules(
        id=doc["id"],
        version=doc["version"],
        timezone=doc["timezone"],
        rules=tuple(_one_abuse_rule(name, rule) for name, rule in doc["rules"].items()),
        sources=_sources(doc),
        content_hash=digest,
    )


def _one_abuse_rule(name: str, doc: Mapping[str, Any]) -> AbuseRule:
    return AbuseRule(
        id=name,
        kind=RuleKind(doc["kind"]),
        reason_en=doc["reason_en"],
        reason_zh=doc["reason_zh"],
        thresholds={
            key: Threshold(
                value=Decimal(t["value"]) if isinstance(t["value"], str) else t["value"],
                unit=t["unit"],
                provenance=_provenance(t),
            )
            for key, t in doc["thresholds"].items()
        },
        behaviour=doc.get("behaviour"),
        attribute=doc.get("attribute"),
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


def _in_own_directory(loaded: _Versioned, path: Path) -> _Versioned:
    """A copied directory whose ``version`` was not bumped would be a second, different one."""
    layout = f"{path.parent.parent.name}/<version>/{path.name}"
    in_own_directory(path, "version", loaded.version, layout=layout)
    return loaded
