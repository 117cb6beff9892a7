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
from typing import Any

from saxaul.domain.clock import to_us
from saxaul.domain.errors import PackConflict
from saxaul.domain.methodology import Pack
from saxaul.methodology.load import load_pack, pack_to_dict
from saxaul.methodology.registry import find_pack, shipped_packs
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
    packs = tuple(find_pack(shipped, ref) for ref in refs)
    BehaviourTable.from_packs(packs)  # refuses two packs claiming one behaviour id
    return packs


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


def pack_document(ref: str) -> dict[str, Any]:
    """A pack whole, as JSON-able data (``saxaul methodology show --json``)."""
    return pack_to_dict(resolve_pack(ref))


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
    return rescore_preview(rt, rt.packs, (*current, candidate))
