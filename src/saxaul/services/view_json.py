"""Typed views as plain JSON and back: how a stored answer survives until it is replayed.

Why a view's JSON is the shape the API answers (datetimes as ISO 8601 text, tuples as arrays,
``None`` as null, names as the response spells them): an answer stored with a move
(``store.idempotency``) is read back into the same view for a retry, so the first answer and
the replay are equal, and answers stored by earlier releases, which were that JSON, still read.
A field the JSON does not hold takes the field's default.

Example: ``to_json(CoverView("u1", start, end, 24))`` → ``{"user_id": "u1", "starts_at":
"2026-11-06T13:00:00+00:00", …, "hours": 24}``; ``from_json(CoverView, that)`` → the same view.
"""

from __future__ import annotations

import datetime as dt
import types
from collections.abc import Mapping
from dataclasses import MISSING, Field, fields, is_dataclass
from enum import Enum
from typing import (
    TYPE_CHECKING,
    Any,
    Literal,
    TypeVar,
    Union,
    get_args,
    get_origin,
    get_type_hints,
)

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

JSON_NAME = "json"
"""Field metadata naming the field in JSON when Python cannot (``from``)."""

V = TypeVar("V", bound="DataclassInstance")


def json_name(field: Field[Any]) -> str:
    """The field's name in JSON."""
    name: str = field.metadata.get(JSON_NAME, field.name)
    return name


def to_json(view: DataclassInstance) -> dict[str, Any]:
    """``view`` as JSON-ready data."""
    return {json_name(f): _plain(getattr(view, f.name)) for f in fields(view)}


def fields_of(view: DataclassInstance) -> dict[str, Any]:
    """``view``'s fields by name, values as they are: to extend it into a subclass's view."""
    return {f.name: getattr(view, f.name) for f in fields(view)}


def from_json(cls: type[V], data: Mapping[str, Any]) -> V:
    """The ``cls`` view that ``to_json`` turned into ``data``."""
    hints = get_type_hints(cls)
    values = {
        f.name: _typed(hints[f.name], data[json_name(f)])
        for f in fields(cls)
        if json_name(f) in data or (f.default is MISSING and f.default_factory is MISSING)
    }
    return cls(**values)


def _plain(value: object) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return to_json(value)
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def _typed(hint: Any, value: Any) -> Any:
    origin = get_origin(hint)
    if value is None:
        return None
    if origin is tuple:
        return tuple(_typed(get_args(hint)[0], item) for item in value)
    if origin in (Union, types.UnionType):
        (present,) = (arg for arg in get_args(hint) if arg is not type(None))
        return _typed(present, value)
    if hint is dt.datetime:
        return dt.datetime.fromisoformat(value)
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint(value)
    if isinstance(hint, type) and is_dataclass(hint):
        return from_json(hint, value)
    if origin is Literal or hint in (str, int, float, bool):
        return value
    raise TypeError(f"no JSON form for {hint!r}")
