"""Methodology use cases: choose and register packs, verify them, preview a rescore.

Registration is what makes "a corrected factor is a new version, never an edit" enforceable:
each id@version is stored with its content hash the first time it is used, and a pack whose
content differs under an existing id@version is refused (``pack_conflict``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from saxaul.domain.clock import to_us
from saxaul.domain.errors import PackConflict, ProgrammeInvalid
from saxaul.domain.methodology import Pack
from saxaul.domain.programme import Programme
from saxaul.methodology.load import load_pack, pack_to_dict
from saxaul.methodology.registry import find_pack, shipped_choices, shipped_packs
from saxaul.scoring.table import BehaviourTable
from saxaul.scoring.verify import VectorOutcome, verify_pack
from saxaul.services.rescoring import RescoreLine, rescore_preview
from saxaul.services.runtime import Runtime
from saxaul.store import packs_repo
from saxaul.store.uow import WriteUnitOfWork


def active_packs(spec: str) -> tuple[Pack, ...]:
    """The programme's packs: ``spec`` lists refs, empty means every shipped pack (latest)."""
    shipped = shipped_packs()
    refs = [r.strip() for r in spec.split(",") if r.strip()]
    if not refs:
        refs = sorted({p.id for p in shipped})
    return tuple(find_pack(shipped, ref) for ref in refs)


def active_programme(packs_spec: str, choices_spec: str) -> Programme:
    """The active packs and the pack chosen for each activity several of them measure.

    The shipped choices apply only to the shipped programme (``packs_spec`` empty);
    ``choices_spec`` (``activity=pack-id,…``) overrides them. Refused with
    ``ProgrammeInvalid``: a shared activity left unchosen, a malformed or impossible choice,
    and, beside other packs, a pack that does not declare what its behaviours measure (double
    counting could not be ruled out).
    """
    packs = active_packs(packs_spec)
    choices = {} if packs_spec.strip() else shipped_choices()
    choices |= _parse_choices(choices_spec)
    undeclared = [p.ref for p in packs if any(b.activity is None for b in p.behaviours)]
    if undeclared and len(packs) > 1:
        raise ProgrammeInvalid(
            f"{', '.join(undeclared)} do(es) not declare the activity each behaviour measures, "
            "so running it beside other packs could pay twice for one trip; activate a later "
            "version that does, or run it alone",
            field="packs",
        )
    try:
        BehaviourTable.from_packs(packs, choices)
    except ProgrammeInvalid as error:
        activity = error.fields.get("activity", "activity")
        raise ProgrammeInvalid(
            f"{error.detail}; set SAXAUL_ACTIVITY_PACKS, e.g. {activity}=<pack id>",
            field="activity_packs",
            **error.fields,
        ) from None
    except ValueError as error:  # a behaviour id in two packs, a cap without a period
        raise ProgrammeInvalid(str(error), field="packs") from None
    return Programme(packs, tuple(sorted(choices.items())))


def scored_behaviours(rt: Runtime) -> frozenset[str]:
    """The behaviour ids the programme scores (events naming any other are refused)."""
    return BehaviourTable.from_packs(rt.packs, dict(rt.choices)).behaviour_ids


def configured_behaviours(packs_spec: str, choices_spec: str) -> frozenset[str]:
    """``scored_behaviours`` of the configured programme, without opening the database.

    The simulator only writes files, so it should not create or migrate a database to learn
    which behaviours the programme it feeds will accept.
    """
    chosen = active_programme(packs_spec, choices_spec)
    return BehaviourTable.from_packs(chosen.packs, dict(chosen.choices)).behaviour_ids


def _parse_choices(spec: str) -> dict[str, str]:
    """``"metro_trip=shenzhen-public-transit-2021, walk=ant-forest-2017"`` → a mapping."""
    choices: dict[str, str] = {}
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        activity, sep, pack_id = (text.strip() for text in item.partition("="))
        if not sep or not activity or not pack_id or activity in choices:
            raise ProgrammeInvalid(
                f"activity_packs entry {item!r} is not valid; expected activity=pack-id once per "
                "activity, e.g. metro_trip=shenzhen-public-transit-2021",
                field="activity_packs",
            )
        choices[activity] = pack_id
    return choices


def resolve_pack(ref: str) -> Pack:
    """A shipped pack by ``id[@version]``, or a pack file by path (for drafts and rescoring)."""
    path = Path(ref)
    if path.suffix == ".toml" and path.exists():
        return load_pack(path)
    return find_pack(shipped_packs(), ref)


def register_packs(rt: Runtime) -> None:
    """Store each active pack once; refuse one whose content changed under the same version."""
    at_us = to_us(rt.clock.now())

    def work(conn: WriteUnitOfWork) -> None:
        for pack in rt.packs:
            stored = packs_repo.registered_hash(conn, pack)
            if stored is None:
                document = json.dumps(pack_to_dict(pack), ensure_ascii=False, sort_keys=True)
                packs_repo.register(conn, pack, document, at_us)
            elif stored != pack.content_hash:
                raise PackConflict(
                    f"{pack.ref} is already registered with content {stored}, but this copy "
                    f"hashes to {pack.content_hash}; publish the change as a new version",
                    field="version",
                )

    rt.db.write(work)


@dataclass(frozen=True, slots=True)
class PackListing:
    """One line of ``saxaul methodology list``."""

    ref: str
    title: str
    region: str
    behaviours: int
    factors: int
    vectors: int
    content_hash: str
    active: bool


def list_packs(active: Sequence[Pack]) -> list[PackListing]:
    """Every shipped pack, marking the ones the programme uses."""
    active_refs = {p.ref for p in active}
    return [
        PackListing(
            p.ref,
            p.title,
            p.region,
            len(p.behaviours),
            len(p.factors),
            len(p.vectors),
            p.content_hash,
            p.ref in active_refs,
        )
        for p in sorted(shipped_packs(), key=lambda p: (p.id, p.version))
    ]


def packs_to_verify(ref: str | None) -> tuple[Pack, ...]:
    """The pack named by ``ref``, or every shipped pack."""
    return (resolve_pack(ref),) if ref else shipped_packs()


def verify_packs(packs: Sequence[Pack]) -> list[VectorOutcome]:
    """Run every test vector of ``packs`` through the reference scorer and the kernel."""
    return [outcome for pack in packs for outcome in verify_pack(pack)]


def rescore_dry_run(rt: Runtime, ref: str) -> list[RescoreLine]:
    """What replacing its namesake with pack ``ref`` would change, per behaviour (no writes)."""
    candidate = resolve_pack(ref)
    current = tuple(p for p in rt.packs if p.id != candidate.id)
    return rescore_preview(rt, rt.packs, (*current, candidate), dict(rt.choices))
