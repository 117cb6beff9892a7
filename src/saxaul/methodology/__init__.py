"""Methodology packs: versioned TOML files → validated, frozen ``saxaul.domain`` values.

``load_pack`` reads one file, ``shipped_packs`` reads those in ``saxaul/packs/methods``,
``find_pack`` picks one by ``id@version`` or ``id``. See ``docs/methodology-format.md``.
"""

from saxaul.domain.content import content_hash
from saxaul.methodology.load import (
    load_pack,
    load_pack_text,
    pack_from_document,
    pack_to_dict,
)
from saxaul.methodology.registry import find_pack, shipped_pack_paths, shipped_packs

__all__ = [
    "content_hash",
    "find_pack",
    "load_pack",
    "load_pack_text",
    "pack_from_document",
    "pack_to_dict",
    "shipped_pack_paths",
    "shipped_packs",
]
