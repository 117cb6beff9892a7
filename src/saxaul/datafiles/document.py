"""A data file's text → its JSON-able document, and the refusals every data file shares.

Why a JSON-able document: the JSON Schema, the semantic checks and the content hash must all
see the same thing, whatever spelling the author chose. TOML dates become ISO strings
(``2016-08-27``), so any JSON Schema tool can check a file converted with ``tomllib`` +
``json``; NaN and infinity are refused because JSON has neither.

Example: ``parse_document('x = 1\\ny = ', "pack.toml")`` raises
``PackInvalid("pack.toml: TOML syntax error: ... (at line 2, column 5); fix the file at that
place", field="", line=2, column=5)``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from saxaul.domain.errors import PackInvalid

PathPart = str | int
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


def field_path(parts: Iterable[PathPart]) -> str:
    """``["behaviours", 2, "caps", "max_g"]`` → ``behaviours[2].caps.max_g`` (``""`` = file)."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def invalid(origin: str, field: str, reason: str, **extra: Any) -> PackInvalid:
    """A refusal whose detail reads on its own (file, place, reason) and whose fields index it."""
    where = f"{origin}: {field}: " if field else f"{origin}: "
    return PackInvalid(where + reason, field=field, origin=origin, **extra)


def read_text(path: Path) -> str:
    """The file's UTF-8 text (a leading BOM is tolerated), or a refusal saying why not."""
    origin = str(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise invalid(origin, "", f"cannot read the file: {error.strerror}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise invalid(
            origin, "", f"is not UTF-8 text (bad byte at offset {error.start}); save it as UTF-8"
        ) from None


def parse_document(text: str, origin: str) -> dict[str, Any]:
    """TOML text → the JSON-able document the schema, the checks and the hash all see."""
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        position = _TOML_POSITION.search(message)
        place = {"line": int(position[1]), "column": int(position[2])} if position else {}
        raise invalid(
            origin, "", f"TOML syntax error: {message}; fix the file at that place", **place
        ) from None
    document: dict[str, Any] = jsonable(parsed, origin)
    return document


def jsonable(value: Any, origin: str, path: Sequence[PathPart] = ()) -> Any:
    """Dates and times become ISO strings; NaN and infinity are refused (JSON has neither)."""
    if isinstance(value, dict):
        return {key: jsonable(item, origin, [*path, key]) for key, item in value.items()}
    if isinstance(value, list):
        return [jsonable(item, origin, [*path, i]) for i, item in enumerate(value)]
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        raise invalid(origin, field_path(path), f"{value} is not a finite number")
    return value


def unique_ids(
    document: Mapping[str, Any], array: str, origin: str
) -> dict[str, Mapping[str, Any]]:
    """Index an array of tables by id, refusing the second use of an id."""
    seen: dict[str, Mapping[str, Any]] = {}
    first: dict[str, int] = {}
    for i, item in enumerate(document.get(array, [])):
        if item["id"] in seen:
            raise invalid(
                origin,
                field_path([array, i, "id"]),
                f"id {item['id']!r} is already used by {array}[{first[item['id']]}]; "
                "ids must be unique",
            )
        seen[item["id"]], first[item["id"]] = item, i
    return seen


def check_cites(
    cited: str, parts: Sequence[PathPart], sources: Mapping[str, Any], origin: str
) -> None:
    """Refuse a number whose ``source`` is not among the file's ``[[sources]]``."""
    if cited not in sources:
        raise invalid(
            origin,
            field_path(parts),
            f"cites source {cited!r}, which is not among the file's [[sources]] "
            f"({', '.join(sources)})",
        )
