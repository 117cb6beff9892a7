"""A scenario's fragment as a methodology pack: named by the platform, checked, and reloaded.

Why every check a shipped pack gets, and more: a fragment becomes a pack version that credits
real energy, so it passes the same loader (schema and meaning, ``saxaul.methodology``), its
test vectors must pass through both scorers, and beside the active programme and every other
approved scenario it may neither reuse a behaviour id (cap usage and awards are keyed by it)
nor measure an activity something else already pays for (one real trip, two awards).

Why reload approved versions from ``methodology_packs`` on demand: a server process learns of
an approval made by another process when a request names the scenario, with no restart; the
pack is cached by its content hash, which the reload checks, so a version is parsed once.

Example: ``scenario_pack(partner_id="acme", fragment={...}, version="0.0.0-draft")`` →
``Pack(id="scenario-acme", version="0.0.0-draft", ...)``; a vector expecting 100 g that
scores 90 g is refused as ``PackInvalid(field="vectors[0]")`` naming the vector.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from saxaul.datafiles import invalid, parse_document
from saxaul.domain.content import content_hash
from saxaul.domain.errors import PackConflict, ProgrammeInvalid
from saxaul.domain.methodology import Pack
from saxaul.domain.scenarios import scenario_pack_id
from saxaul.methodology.load import FORMAT, canonical_json, pack_from_document
from saxaul.scoring.table import BehaviourTable
from saxaul.scoring.verify import verify_pack
from saxaul.services.runtime import Runtime
from saxaul.store import scenarios_repo
from saxaul.store.uow import UnitOfWork

ORIGIN = "fragment"
PLATFORM_FIELDS = ("id", "version")
_CACHE: dict[str, Pack] = {}
"""Approved scenario packs by content hash (a hash names one document, whatever the store)."""


def fragment_document(fragment: Mapping[str, Any] | str) -> dict[str, Any]:
    """A fragment as its JSON form: given as an object, or as TOML text."""
    if isinstance(fragment, str):
        return dict(parse_document(fragment, ORIGIN))
    return dict(fragment)


def pack_document(partner_id: str, fragment: Mapping[str, Any], version: str) -> dict[str, Any]:
    """The fragment as the document of pack ``scenario-<partner_id>@version``.

    The fragment may leave out ``format``, ``id`` and ``version``; an ``id`` or ``version`` it
    does give must be the platform's, so nobody publishes under another's id by mistake.
    """
    pack_id = scenario_pack_id(partner_id)
    given = {"id": pack_id, "version": version}
    for key in PLATFORM_FIELDS:
        if key in fragment and fragment[key] != given[key]:
            raise invalid(
                ORIGIN,
                key,
                f"is {fragment[key]!r}, but the platform sets it: the pack id of your scenarios "
                f"is {pack_id!r} and versions are numbered at approval; leave {key} out",
            )
    return {"format": FORMAT, **fragment, **given}


def scenario_pack(partner_id: str, fragment: Mapping[str, Any], version: str) -> Pack:
    """The fragment as pack ``scenario-<partner_id>@version``, validated by the pack loader."""
    return pack_from_document(pack_document(partner_id, fragment, version), ORIGIN)


def document_json(pack_document: Mapping[str, Any]) -> str:
    """A pack document as stored: canonical JSON, so reloading it gives the same hash."""
    return canonical_json(pack_document)


def check_vectors(pack: Pack) -> None:
    """Refuse a pack without vectors, or whose vectors either scorer does not reproduce."""
    if not pack.vectors:
        raise invalid(
            ORIGIN,
            "vectors",
            "a scenario needs at least one test vector (events of one user and the grams "
            "they must earn), so reviewers and both scorers can check the arithmetic",
        )
    for i, outcome in enumerate(verify_pack(pack)):
        if not outcome.ok:
            raise invalid(
                ORIGIN,
                f"vectors[{i}]",
                f"test vector {outcome.vector_id!r} expects {outcome.expected_g} g but scores "
                f"{outcome.reference_g} g (reference) and {outcome.kernel_g} g (kernel); fix "
                "its expected_total_g or the factors",
                vector=outcome.vector_id,
            )


def check_beside(rt: Runtime, pack: Pack, others: Sequence[Pack]) -> None:
    """Refuse a pack that would pay twice beside the programme and other scenarios."""
    running = (*rt.packs, *others)
    ids = {b.id: p.ref for p in running for b in p.behaviours}
    activities = {
        b.activity: f"{p.ref} ({b.id})" for p in running for b in p.behaviours if b.activity
    }
    for i, behaviour in enumerate(pack.behaviours):
        if behaviour.activity is None:
            raise invalid(
                ORIGIN,
                f"behaviours[{i}].activity",
                "a scenario runs beside the programme's packs, so each behaviour must say "
                "which real activity it measures (e.g. 'reusable_cup'); see the shared "
                "vocabulary in docs/methodology-format.md",
            )
        if behaviour.id in ids:
            raise invalid(
                ORIGIN,
                f"behaviours[{i}].id",
                f"{behaviour.id!r} is already a behaviour of {ids[behaviour.id]}; give yours an "
                "id with your own prefix",
            )
        if behaviour.activity in activities:
            raise invalid(
                ORIGIN,
                f"behaviours[{i}].activity",
                f"{behaviour.activity!r} is already measured by {activities[behaviour.activity]}; "
                "one real activity earns one award, so a scenario may only add activities "
                "nothing else pays for",
            )
    try:
        BehaviourTable.from_packs((*rt.packs, pack), dict(rt.choices))
    except (ProgrammeInvalid, ValueError) as error:
        raise invalid(ORIGIN, "behaviours", str(error)) from None


def stored_pack(conn: UnitOfWork, pack_id: str, version: str) -> Pack:
    """A registered scenario pack version, parsed once per content hash."""
    record = scenarios_repo.pack_record(conn, pack_id, version)
    if record is None:
        raise PackConflict(f"{pack_id}@{version} is not registered", field="version")
    digest, document = record
    cached = _CACHE.get(digest)
    if cached is not None:
        return cached
    loaded = json.loads(document)
    if content_hash(loaded) != digest:
        raise PackConflict(
            f"{pack_id}@{version} is registered as {digest} but its stored document hashes "
            "otherwise; it was changed after registration",
            field="version",
        )
    pack = pack_from_document(loaded, f"{pack_id}@{version}")
    _CACHE[digest] = pack
    return pack


def approved_packs(conn: UnitOfWork, *, besides: str | None = None) -> list[Pack]:
    """The pack version of every approved scenario other than ``besides``."""
    return [
        stored_pack(conn, pack_id, version)
        for scenario_id, pack_id, version in scenarios_repo.approved_packs(conn)
        if scenario_id != besides
    ]
