"""Methodology packs as the HTTP API shows them: shipped packs only, never a file path.

Why not ``methodology.pack_document``: that resolves a ref ending in ``.toml`` as a path on the
server, which suits the CLI (an author previewing a draft) but would let an HTTP caller make
the server read its own files. Here a ref only ever names a shipped pack.

Example: ``shipped_pack_document(rt, "ant-forest-2017")`` → the pack-file shape of the highest
shipped version plus ``content_hash`` and ``active: true``; ``"nope@1.0.0"`` raises
``NotFound`` listing the packs that exist.
"""

from __future__ import annotations

from typing import Any

from saxaul.methodology.load import pack_to_dict
from saxaul.methodology.registry import find_pack, shipped_packs
from saxaul.services.runtime import Runtime


def shipped_pack_document(rt: Runtime, ref: str) -> dict[str, Any]:
    """The shipped pack ``ref`` (``id`` or ``id@version``) whole, and whether it is active."""
    pack = find_pack(shipped_packs(), ref)
    return pack_to_dict(pack) | {"active": any(p.ref == pack.ref for p in rt.packs)}
