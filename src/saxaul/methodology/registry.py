"""The packs Saxaul ships, and how a reference such as ``ant-forest-2017@1.0.0`` picks one.

Shipped packs live at ``saxaul/packs/methods/<id>/<version>/pack.toml`` inside the installed
package. The directory names must repeat the file's id and version: a copied directory whose
``version`` was not bumped would otherwise be a second, different "1.0.0".

A bare id picks the highest version by semantic-version precedence (so ``1.10.0`` beats
``1.9.0`` and ``2.0.0`` beats ``2.0.0-rc.1``): ``find_pack(packs, "ant-forest-2017")``.
Nothing is loaded at import; callers (bootstrap, the CLI) load once and pass the tuple around.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from saxaul.datafiles import (
    check_schema,
    in_own_directory,
    parse_document,
    read_text,
    semver_key,
    shipped_paths,
)
from saxaul.domain.errors import NotFound
from saxaul.domain.methodology import Pack
from saxaul.methodology.load import load_pack

LAYOUT = "methods/<id>/<version>/pack.toml"
CHOICES = "programme/choices.toml"
CHOICES_SCHEMA = "schema/programme-choices.schema.json"

__all__ = ["find_pack", "semver_key", "shipped_choices", "shipped_pack_paths", "shipped_packs"]


def shipped_pack_paths() -> tuple[Path, ...]:
    """Every ``pack.toml`` under ``saxaul/packs/methods``, in a stable (sorted) order."""
    return shipped_paths(LAYOUT.replace("<id>", "*").replace("<version>", "*"))


def shipped_packs() -> tuple[Pack, ...]:
    """Load and validate every shipped pack, ordered by id then version precedence."""
    packs = []
    for path in shipped_pack_paths():
        pack = load_pack(path)
        in_own_directory(path, "id", pack.id, layout=LAYOUT)
        in_own_directory(path, "version", pack.version, layout=LAYOUT)
        packs.append(pack)
    return tuple(sorted(packs, key=lambda p: (p.id, semver_key(p.version))))


def shipped_choices() -> dict[str, str]:
    """Activity → pack id: the shipped programme's choice for each activity its packs share."""
    (path,) = shipped_paths(CHOICES)
    document = parse_document(read_text(path), str(path))
    check_schema(document, CHOICES_SCHEMA, str(path))
    return dict(document["activities"])


def find_pack(packs: Iterable[Pack], ref: str) -> Pack:
    """The pack named by ``id@version``, or the highest version of ``id``.

    Refuses with ``NotFound`` listing what exists, so a typo is fixed from the message alone.
    """
    packs = tuple(packs)
    pack_id, _, version = ref.partition("@")
    candidates = [pack for pack in packs if pack.id == pack_id]
    if not candidates:
        raise NotFound(f"no methodology pack {pack_id!r}; {_listing(packs)}", ref=ref)
    if not version:
        return max(candidates, key=lambda p: semver_key(p.version))
    for pack in candidates:
        if pack.version == version:
            return pack
    versions = ", ".join(p.version for p in sorted(candidates, key=lambda p: semver_key(p.version)))
    raise NotFound(
        f"methodology pack {pack_id!r} has no version {version!r}; versions: {versions}", ref=ref
    )


def _listing(packs: Iterable[Pack]) -> str:
    refs = sorted(pack.ref for pack in packs)
    return f"available: {', '.join(refs)}" if refs else "no packs are loaded"
