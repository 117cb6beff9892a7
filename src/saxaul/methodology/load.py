"""Pack files → validated, frozen ``Pack`` values, each named by a hash of its content.

Why a content hash: (id, version) is a promise that a pack never changes; the hash is how that
promise is checked. It is taken over the *parsed* document (canonical JSON: sorted keys, no
spaces, UTF-8, TOML dates as ISO strings), so re-wrapping a comment or re-indenting a table
keeps the hash while changing any value, even ``"46.7"`` → ``"46.70"``, changes it.

Example: ``load_pack(Path(".../shenzhen-public-transit-2021/1.0.0/pack.toml"))`` gives a
``Pack`` with ``ref == "shenzhen-public-transit-2021@1.0.0"``, behaviour ``metro_km`` rated
46 700 mg per passenger-km and ``content_hash == "sha256:…"``; a pack with a typo is refused
with ``PackInvalid(field="behaviours[0].factors[0]")`` before any of it is used.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from saxaul.datafiles import parse_document, read_text
from saxaul.datafiles.document import jsonable
from saxaul.domain.content import content_hash
from saxaul.domain.methodology import (
    Behaviour,
    CapPeriod,
    Caps,
    Factor,
    FormulaKind,
    OnePer,
    Pack,
    Source,
    SourceStatus,
    TestVector,
    VectorEvent,
)
from saxaul.methodology.validate import check_semantics, check_shape

FORMAT = "saxaul-methodology/1"

__all__ = ["load_pack", "load_pack_text", "pack_from_document", "pack_to_dict", "parse_document"]


def load_pack(path: Path) -> Pack:
    """Read, validate and build the pack in ``path`` (UTF-8 TOML; a leading BOM is tolerated)."""
    return load_pack_text(read_text(path), str(path))


def load_pack_text(text: str, origin: str) -> Pack:
    """Validate and build a pack from TOML text; ``origin`` names it in every refusal."""
    return pack_from_document(parse_document(text, origin), origin)


def pack_from_document(document: Mapping[str, Any], origin: str) -> Pack:
    """Validate and build a pack from its JSON form, so a pack can also arrive as JSON.

    The JSON form is what ``parse_document`` gives, or ``pack_to_dict`` minus ``content_hash``.
    """
    document = jsonable(document, origin)  # JSON readers accept NaN; a pack may not
    check_shape(document, origin)
    check_semantics(document, origin)
    return _build(document, content_hash(document))


def _build(doc: Mapping[str, Any], digest: str) -> Pack:
    """Map a valid document onto the domain values (the only place that knows both shapes)."""
    effective_to = doc.get("effective_to")
    return Pack(
        id=doc["id"],
        version=doc["version"],
        title=doc["title"],
        summary=doc["summary"],
        region=doc["region"],
        timezone=doc["timezone"],
        effective_from=dt.date.fromisoformat(doc["effective_from"]),
        effective_to=None if effective_to is None else dt.date.fromisoformat(effective_to),
        behaviours=tuple(_behaviour(b) for b in doc["behaviours"]),
        factors=tuple(_factor(f) for f in doc["factors"]),
        sources=tuple(_source(s) for s in doc["sources"]),
        vectors=tuple(_vector(v) for v in doc.get("vectors", [])),
        content_hash=digest,
        notes=doc["notes"],
    )


def _source(doc: Mapping[str, Any]) -> Source:
    return Source(
        id=doc["id"],
        title=doc["title"],
        url=doc["url"],
        locator=doc["locator"],
        status=SourceStatus(doc["status"]),
        licence=doc.get("licence", ""),
    )


def _factor(doc: Mapping[str, Any]) -> Factor:
    return Factor(
        id=doc["id"],
        value=Decimal(doc["value"]),
        unit=doc["unit"],
        year=doc["year"],
        source_id=doc["source"],
        status=SourceStatus(doc["status"]),
        note=doc.get("note", ""),
    )


def _behaviour(doc: Mapping[str, Any]) -> Behaviour:
    caps = doc.get("caps", {})
    period = caps.get("period")
    one_per = doc.get("one_per")
    return Behaviour(
        id=doc["id"],
        name_zh=doc["name_zh"],
        name_en=doc["name_en"],
        category=doc["category"],
        activity_unit=doc["activity_unit"],
        formula=FormulaKind(doc["formula"]),
        factor_ids=tuple(doc["factors"]),
        caps=Caps(
            period=None if period is None else CapPeriod(period),
            max_count=caps.get("max_count"),
            max_g=_decimal_or_none(caps.get("max_g")),
            per_event_max_g=_decimal_or_none(caps.get("per_event_max_g")),
        ),
        baseline_note=doc.get("baseline_note", ""),
        min_amount_minor=doc.get("min_amount_minor"),
        activity=doc.get("activity"),
        one_per=None
        if one_per is None
        else OnePer(one_per["attribute"], CapPeriod(one_per["period"])),
        earns_after=doc.get("earns_after"),
    )


def _vector(doc: Mapping[str, Any]) -> TestVector:
    events = tuple(
        VectorEvent(
            quantity=float(entry["quantity"]),
            amount_minor=entry.get("amount_minor"),
            day=entry.get("day", 0),
            attributes=None if "attributes" not in entry else canonical_json(entry["attributes"]),
        )
        for entry in doc["events"]
        for _ in range(entry.get("repeat", 1))
    )
    return TestVector(
        id=doc["id"],
        behaviour_id=doc["behaviour"],
        events=events,
        expected_total_g=Decimal(doc["expected_total_g"]),
        note=doc.get("note", ""),
    )


def canonical_json(value: Any) -> str:
    """Attributes as the import stores them: compact, sorted keys, UTF-8 (``saxaul.ingest``);
    the same one form for every other stored JSON document (evidence, project sites)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _decimal_or_none(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def pack_to_dict(pack: Pack) -> dict[str, Any]:
    """The whole pack as JSON-able data in the pack-file shape, plus its ``content_hash``.

    Why the file's shape: one vocabulary for authors, ``saxaul methodology show --json`` and
    the API. Absent optionals are left out (TOML has no null); vector events come expanded,
    one entry per event, so a reader never has to know about ``repeat``.
    """
    data: dict[str, Any] = {
        "format": FORMAT,
        "id": pack.id,
        "version": pack.version,
        "title": pack.title,
        "summary": pack.summary,
        "region": pack.region,
        "timezone": pack.timezone,
        "effective_from": pack.effective_from.isoformat(),
    }
    if pack.effective_to is not None:
        data["effective_to"] = pack.effective_to.isoformat()
    data["notes"] = pack.notes
    data["sources"] = [_source_dict(s) for s in pack.sources]
    data["factors"] = [_factor_dict(f) for f in pack.factors]
    data["behaviours"] = [_behaviour_dict(b) for b in pack.behaviours]
    data["vectors"] = [_vector_dict(v) for v in pack.vectors]
    data["content_hash"] = pack.content_hash
    return data


def _source_dict(source: Source) -> dict[str, Any]:
    data = {
        "id": source.id,
        "title": source.title,
        "url": source.url,
        "locator": source.locator,
        "status": source.status.value,
    }
    return data | ({"licence": source.licence} if source.licence else {})


def _factor_dict(factor: Factor) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": factor.id,
        "value": str(factor.value),
        "unit": factor.unit,
        "year": factor.year,
        "source": factor.source_id,
        "status": factor.status.value,
    }
    return data | ({"note": factor.note} if factor.note else {})


def _behaviour_dict(behaviour: Behaviour) -> dict[str, Any]:
    caps = behaviour.caps
    one_per = behaviour.one_per
    optional = {
        "min_amount_minor": behaviour.min_amount_minor,
        "baseline_note": behaviour.baseline_note or None,
        "activity": behaviour.activity,
        "one_per": None
        if one_per is None
        else {"attribute": one_per.attribute, "period": one_per.period.value},
        "earns_after": behaviour.earns_after,
    }
    cap_values = {
        "period": None if caps.period is None else caps.period.value,
        "max_count": caps.max_count,
        "max_g": None if caps.max_g is None else str(caps.max_g),
        "per_event_max_g": None if caps.per_event_max_g is None else str(caps.per_event_max_g),
    }
    return {
        "id": behaviour.id,
        "name_zh": behaviour.name_zh,
        "name_en": behaviour.name_en,
        "category": behaviour.category,
        "activity_unit": behaviour.activity_unit,
        "formula": behaviour.formula.value,
        "factors": list(behaviour.factor_ids),
        **_present(optional),
        "caps": _present(cap_values),
    }


def _vector_dict(vector: TestVector) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": vector.id,
        "behaviour": vector.behaviour_id,
        "events": [_event_dict(e) for e in vector.events],
        "expected_total_g": str(vector.expected_total_g),
    }
    return data | ({"note": vector.note} if vector.note else {})


def _event_dict(event: VectorEvent) -> dict[str, Any]:
    quantity = int(event.quantity) if event.quantity.is_integer() else event.quantity
    attributes = None if event.attributes is None else json.loads(event.attributes)
    return _present(
        {
            "quantity": quantity,
            "amount_minor": event.amount_minor,
            "day": event.day,
            "attributes": attributes,
        }
    )


def _present(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}
