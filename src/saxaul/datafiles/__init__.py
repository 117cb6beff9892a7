"""Versioned data files (methodology packs, game rules, species catalogues): one loader path.

Every such file is read the same way: UTF-8 TOML → a JSON-able document (dates as ISO
strings) → its JSON Schema (shape) → the caller's checks (meaning) → a content hash of the
document. Each refusal is a ``PackInvalid`` naming the file and the field a person must fix.
Shipped files live at ``saxaul/packs/<kind>/<version>/<file>``, and must sit in the directory
of their own version.

Imports: stdlib, jsonschema and ``saxaul.domain`` only; ``saxaul.methodology`` and
``saxaul.catalogue`` build their values on top of it.
"""

from saxaul.datafiles.document import (
    PathPart,
    check_cites,
    field_path,
    invalid,
    parse_document,
    read_text,
    unique_ids,
)
from saxaul.datafiles.schema import check_schema, schema
from saxaul.datafiles.shipped import in_own_directory, newest_release, semver_key, shipped_paths

__all__ = [
    "PathPart",
    "check_cites",
    "check_schema",
    "field_path",
    "in_own_directory",
    "invalid",
    "newest_release",
    "parse_document",
    "read_text",
    "schema",
    "semver_key",
    "shipped_paths",
    "unique_ids",
]
