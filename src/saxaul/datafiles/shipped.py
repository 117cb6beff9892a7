"""Where shipped data files live, and which version a bare name means.

Shipped files sit at ``saxaul/packs/<kind>/<version>/<file>`` inside the installed package (a
wheel or an editable install, so the resource root is a real directory). The directory must
repeat the file's version: a copied directory whose ``version`` was not bumped would otherwise
be a second, different "1.0.0".

Versions order by semantic-version precedence: ``1.10.0`` > ``1.9.0``, ``2.0.0`` >
``2.0.0-rc.1`` (semver.org §11).
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from saxaul.datafiles.document import invalid

_SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?$")

SemverKey = tuple[int, int, int, int, tuple[tuple[int, int, str], ...]]


def semver_key(version: str) -> SemverKey:
    """Sort key with semantic-version precedence: numeric parts, then release > pre-release.

    Pre-release identifiers compare numerically when numeric, else as text, numeric first;
    a shorter identifier list that is a prefix of a longer one sorts first.
    """
    match = _SEMVER.match(version)
    if match is None:
        raise ValueError(f"{version!r} is not a semantic version")
    major, minor, patch, pre = match.groups()
    if pre is None:
        return int(major), int(minor), int(patch), 1, ()
    identifiers = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
    return int(major), int(minor), int(patch), 0, identifiers


def shipped_paths(pattern: str) -> tuple[Path, ...]:
    """Shipped files matching ``pattern`` under ``saxaul/packs`` (e.g. ``methods/*/*/pack.toml``),
    in a stable (sorted) order."""
    root = Path(str(resources.files("saxaul.packs")))
    return tuple(sorted(root.glob(pattern)))


def newest_release(kind: str, filename: str) -> Path:
    """The ``<kind>/<version>/<filename>`` with the highest release (pre-releases are never the
    shipped default)."""
    releases = [
        path
        for path in shipped_paths(f"{kind}/*/{filename}")
        if _SEMVER.match(path.parent.name) and "-" not in path.parent.name
    ]
    if not releases:
        root = Path(str(resources.files("saxaul.packs"))) / kind
        raise invalid(str(root), "", f"no released {filename} is shipped here")
    return max(releases, key=lambda p: semver_key(p.parent.name))


def in_own_directory(path: Path, field: str, actual: str, *, layout: str) -> None:
    """Refuse a shipped file whose ``field`` (``id`` or ``version``) is not its directory's name.

    ``layout`` is where such files live, e.g. ``methods/<id>/<version>/pack.toml``; the
    version directory is the file's parent, the id directory the one above it.
    """
    expected = (path.parent if field == "version" else path.parent.parent).name
    if expected != actual:
        raise invalid(
            str(path),
            field,
            f"is {actual!r} but the file sits in directory {expected!r}; shipped files live at "
            f"{layout}",
        )
