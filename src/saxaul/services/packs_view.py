"""Methodology packs as the HTTP API shows them: shipped packs only, never a file path.

Why not ``methodology.resolve_pack``: that resolves a ref ending in ``.toml`` as a path on the
server, which suits the CLI (an author previewing a draft) but would let an HTTP caller make
the server read its own files. Here a ref only ever names a shipped pack.

Example: ``shipped_pack(rt, "ant-forest-2017")`` → the highest shipped version, ``active=True``;
``"nope@1.0.0"`` raises ``NotFound`` listing the packs that exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from saxaul.domain.methodology import Pack
from saxaul.methodology.registry import find_pack, shipped_packs
from saxaul.services.runtime import Runtime


@dataclass(frozen=True, slots=True)
class ShippedPack:
    """A shipped pack whole, and whether the programme scores with it."""

    pack: Pack
    active: bool


def shipped_pack(rt: Runtime, ref: str) -> ShippedPack:
    """The shipped pack ``ref`` (``id`` or ``id@version``)."""
    pack = find_pack(shipped_packs(), ref)
    return ShippedPack(pack, any(p.ref == pack.ref for p in rt.packs))
