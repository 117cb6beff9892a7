"""The default-projects file → a validated, frozen ``ProjectCatalogue``.

Why checked against the species catalogue: a project names its species by id and repeats none
of its numbers (the price per tree, the region and the survival assumption are the species'),
so a project whose species is not in the catalogue in use, or whose partner is not the one the
species catalogue pairs it with, is refused here, naming the field to fix. The gates are those
of every versioned data file (``saxaul.datafiles``): schema, cited sources, content hash, and a
shipped file sits in the directory of its own version.

Example: ``shipped_projects(shipped_species()).projects[0].id == "see-foundation-saxaul"``;
``projects_release("projects@1.0.0", species)`` loads that exact version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
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
from saxaul.domain.content import content_hash
from saxaul.domain.errors import PackInvalid
from saxaul.domain.game_rules import GameSource, Provenance, SpeciesCatalogue, Tag
from saxaul.domain.projects import (
    CataloguePartner,
    DefaultProject,
    EvidenceItem,
    ProjectCatalogue,
)

PROJECTS_SCHEMA = "schema/projects-catalogue.schema.json"
_KIND = "catalogue/projects"
_FILE = "projects.toml"


def load_projects(path: Path, species: SpeciesCatalogue) -> ProjectCatalogue:
    """Read, validate and build the default projects in ``path`` against ``species``."""
    return projects_from_text(read_text(path), str(path), species)


def projects_from_text(text: str, origin: str, species: SpeciesCatalogue) -> ProjectCatalogue:
    """Validate and build default projects from TOML text; ``origin`` names it in refusals."""
    document = parse_document(text, origin)
    check_schema(document, PROJECTS_SCHEMA, origin)
    _check(document, origin, species)
    return _build(document, content_hash(document))


def shipped_projects(species: SpeciesCatalogue) -> ProjectCatalogue:
    """The newest release under ``saxaul/packs/catalogue/projects/<version>/projects.toml``."""
    return _shipped(newest_release(_KIND, _FILE), species)


def projects_release(ref: str, species: SpeciesCatalogue) -> ProjectCatalogue:
    """The shipped release ``ref`` (``projects@1.0.0``), as the ``SAXAUL_PROJECTS`` setting
    names it; a version that is not shipped is refused naming what is."""
    catalogue_id, _, version = ref.partition("@")
    paths = shipped_paths(f"{_KIND}/*/{_FILE}")
    found = [path for path in paths if path.parent.name == version]
    if catalogue_id != "projects" or not found:
        shipped = ", ".join(f"projects@{path.parent.name}" for path in paths)
        raise invalid(ref, "", f"is not a shipped projects catalogue; shipped: {shipped}")
    return _shipped(found[0], species)


def _shipped(path: Path, species: SpeciesCatalogue) -> ProjectCatalogue:
    loaded = load_projects(path, species)
    in_own_directory(
        path, "version", loaded.version, layout=f"{_KIND.split('/')[-1]}/<version>/{_FILE}"
    )
    return loaded


def _invalid(origin: str, parts: list[PathPart], reason: str) -> PackInvalid:
    return invalid(origin, field_path(parts), reason)


# ---------------------------------------------------------------- meaning


def _check(doc: Mapping[str, Any], origin: str, species: SpeciesCatalogue) -> None:
    """Refuse a schema-valid file whose projects do not fit the species catalogue in use."""
    if doc["species_catalogue"] != species.id:
        raise _invalid(
            origin,
            ["species_catalogue"],
            f"is {doc['species_catalogue']!r} but the species catalogue in use is {species.id!r}",
        )
    sources = unique_ids(doc, "sources", origin)
    partners = unique_ids(doc, "partners", origin)
    unique_ids(doc, "projects", origin)
    for name in ("capacity", "period"):
        check_cites(doc["defaults"][name]["source"], ["defaults", name, "source"], sources, origin)
    for i, project in enumerate(doc["projects"]):
        here: list[PathPart] = ["projects", i]
        for part in ("pairing", "capacity", "period"):
            if part in project:
                check_cites(project[part]["source"], [*here, part, "source"], sources, origin)
        try:
            planted = species.get(project["species"])
        except KeyError:
            known = ", ".join(s.id for s in species.species)
            raise _invalid(
                origin,
                [*here, "species"],
                f"{project['species']!r} is not in {species.ref}; species: {known}",
            ) from None
        partner = partners.get(project["partner"])
        if partner is None:
            raise _invalid(
                origin, [*here, "partner"], f"{project['partner']!r} is not in `partners`"
            )
        if partner["name_en"] != planted.partner.name_en:
            raise _invalid(
                origin,
                [*here, "partner"],
                f"is {partner['name_en']!r} but {species.ref} pairs {planted.id} with "
                f"{planted.partner.name_en!r}",
            )
        period = project.get("period", doc["defaults"]["period"])
        if "ends_on" in period and period["ends_on"] < period["starts_on"]:
            raise _invalid(origin, [*here, "period", "ends_on"], "is before starts_on")


# ---------------------------------------------------------------- building values


def _provenance(tagged: Mapping[str, Any]) -> Provenance:
    return Provenance(
        tag=Tag(tagged["status"]), source_id=tagged["source"], note=tagged.get("note", "")
    )


def _build(doc: Mapping[str, Any], digest: str) -> ProjectCatalogue:
    """Map a valid document onto ``ProjectCatalogue`` (the only place that knows both shapes)."""
    defaults = doc["defaults"]

    def project(item: Mapping[str, Any]) -> DefaultProject:
        evidence = item.get("evidence_required", defaults["evidence_required"])
        capacity = item.get("capacity", defaults["capacity"])
        period = item.get("period", defaults["period"])
        ends_on = period.get("ends_on")
        return DefaultProject(
            id=item["id"],
            partner_id=item["partner"],
            species_id=item["species"],
            capacity=capacity["value"],
            starts_on=dt.date.fromisoformat(period["starts_on"]),
            ends_on=None if ends_on is None else dt.date.fromisoformat(ends_on),
            evidence_required=tuple(EvidenceItem(e) for e in evidence),
            pairing=_provenance(item["pairing"]),
            capacity_provenance=_provenance(capacity),
            period_provenance=_provenance(period),
        )

    return ProjectCatalogue(
        id=doc["id"],
        version=doc["version"],
        partners=tuple(
            CataloguePartner(p["id"], p["name_en"], p["name_zh"], p["kind"])
            for p in doc["partners"]
        ),
        projects=tuple(project(item) for item in doc["projects"]),
        sources=tuple(
            GameSource(id=s["id"], title=s["title"], address=s["address"], locator=s["locator"])
            for s in doc["sources"]
        ),
        content_hash=digest,
    )
