"""The packs Saxaul ships, and how a reference such as ``ant-forest-2017@1.0.0`` picks one.

Shipped packs live at ``saxaul/packs/methods/<id>/<version>/pack.toml`` inside the installed
package. The directory names must repeat the file's id and version: a copied directory whose
``version`` was not bumped would otherwise be a second, different "1.0.0".

A bare id picks the highest version by semantic-version precedence (so ``1.10.0`` beats
``1.9.0`` and ``2.0.0`` beats ``2.0.0-rc.1``): ``find_pack(packs, "ant-forest-2017")``.
Nothing is loaded at import; callers (bootstrap, the CLI) load once and pass the tuple around.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from saxaul.domain.errors import NotFound
from saxaul.domain.methodology import Pack
from saxaul.methodology.load import load_pack
from saxaul.methodology.validate import pack_invalid

_SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?$")

SemverKey = tuple[int, int, int, int, tuple[tuple[int, int, str], ...]]


def shipped_pack_paths() -> tuple[Path, ...]:
    """Every ``pack.toml`` under ``saxaul/packs/methods``, in a stable (sorted) order.

    The package is installed as files (a wheel or an editable install), so its resource root
    is a real directory that ``Path`` can glob.
    """
    root = Path(str(resources.files("saxaul.packs"))) / "methods"
    return tuple(sorted(root.glob("*/*/pack.toml")))


def shipped_packs() -> tuple[Pack, ...]:
    """Load and validate every shipped pack, ordered by id then version precedence."""
    packs = []
    for path in shipped_pack_paths():
        pack = load_pack(path)
        version_dir, id_dir = path.parent.name, path.parent.parent.name
        for field, expected, actual in (
            ("id", id_dir, pack.id),
            ("version", version_dir, pack.version),
        ):
            if expected != actual:
                raise pack_invalid(
                    str(path),
                    field,
                    f"is {actual!r} but the pack sits in directory {expected!r}; shipped packs "
                    "live at methods/<id>/<version>/pack.toml",
                )
        packs.append(pack)
    return tuple(sorted(packs, key=lambda p: (p.id, semver_key(p.version))))


def semver_key(version: str) -> SemverKey:
    """Sort key with semantic-version precedence: numeric parts, then release > pre-release.

    Pre-release identifiers compare numerically when numeric, else as text, numeric first;
    a shorter identifier list that is a prefix of a longer one sorts first (semver.org §11).
    """
    match = _SEMVER.match(version)
    if match is None:
        raise ValueError(f"{version!r} is not a semantic version")
    major, minor, patch, pre = match.groups()
    if pre is None:
        return int(major), int(minor), int(patch), 1, ()
    identifiers = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
    return int(major), int(minor), int(patch), 0, identifiers


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
