"""Content identity of versioned data files (methodology packs, game rules, catalogues).

Why a hash of canonical JSON rather than of the file's bytes: editing a comment, reordering keys
or changing quoting must not make a "new" version, while changing any value must. Example:
``content_hash({"b": 1, "a": "x"}) == content_hash({"a": "x", "b": 1})`` ("sha256:…").
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any


def content_hash(document: Mapping[str, Any]) -> str:
    """``sha256:`` + hex SHA-256 of the document's canonical JSON (sorted keys, no spaces)."""
    canonical = json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()
