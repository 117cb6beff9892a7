"""Canonical JSON: the one byte form of a value, so a signature over it means one thing.

Why our own encoder and not ``json.dumps(sort_keys=True)``: a signed document must have exactly
one serialisation, and a verifier must be able to refuse every other. This is RFC 8785 (JCS)
for the value set Saxaul signs — objects with string keys, arrays, strings, integers, booleans
and null — and refuses the rest: floats (JCS would print them in ECMAScript's shortest form,
which Python does not promise; amounts are whole grams and times ISO text or microseconds
anyway), integers beyond ±(2**53 − 1) (JCS numbers are IEEE doubles, so larger ones would not
survive another implementation), and strings that are not valid Unicode (lone surrogates).

The form: UTF-8, no whitespace between tokens, object members sorted by their keys' UTF-16
code units (JCS's order; the same as code-point order for every key that is not above the Basic
Multilingual Plane), strings with only ``"``, ``\\`` and the control characters escaped
(``\\b \\t \\n \\f \\r`` short, the rest ``\\u00xx``).

Example: ``canonical({"b": [1, True, None], "a": "梭梭"})`` →
``b'{"a":"\\xe6\\xa2\\xad\\xe6\\xa2\\xad","b":[1,true,null]}'``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from saxaul.domain.errors import DomainError

SAFE_INTEGER = 2**53 - 1
"""Largest integer every JSON reader holds exactly (an IEEE double's 53-bit mantissa)."""


class NotCanonicalValue(DomainError):
    """A value with no canonical JSON form here (a float, a huge integer, a lone surrogate)."""

    code = "not_canonical_value"


def canonical(value: Any) -> bytes:
    """The canonical JSON bytes of ``value``."""
    parts: list[str] = []
    _encode(value, parts)
    try:
        return "".join(parts).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise NotCanonicalValue("a string holds a lone surrogate: not Unicode text") from exc


def _utf16_key(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


def _encode(value: Any, out: list[str]) -> None:
    if value is None or isinstance(value, bool):
        out.append({None: "null", True: "true", False: "false"}[value])
    elif isinstance(value, int):
        if abs(value) > SAFE_INTEGER:
            raise NotCanonicalValue(f"{value} is beyond ±(2**53 − 1)", value=str(value))
        out.append(str(value))
    elif isinstance(value, str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, Mapping):
        out.append("{")
        for n, key in enumerate(sorted(value, key=_key_order)):
            out.append("," if n else "")
            out.append(json.dumps(key, ensure_ascii=False) + ":")
            _encode(value[key], out)
        out.append("}")
    elif isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        out.append("[")
        for n, item in enumerate(value):
            out.append("," if n else "")
            _encode(item, out)
        out.append("]")
    else:
        raise NotCanonicalValue(
            f"a {type(value).__name__} has no canonical form: use whole numbers and text",
            type=type(value).__name__,
        )


def _key_order(key: object) -> bytes:
    if not isinstance(key, str):
        raise NotCanonicalValue(f"object keys are text, not {type(key).__name__}")
    return _utf16_key(key)


def parse_strict(data: bytes) -> Any:
    """JSON ``data`` read back for checking: UTF-8 only, no duplicate keys, no floats.

    Why strict: a reader that silently keeps the last of two equal keys, or rounds a number,
    would verify a document other than the one the bytes show.
    """
    text = data.decode("utf-8")
    return json.loads(
        text,
        object_pairs_hook=_no_duplicates,
        parse_float=_no_float,
        parse_constant=_no_float,
    )


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, item in pairs:
        if key in out:
            raise NotCanonicalValue(f"the key {key!r} appears twice in one object", key=key)
        out[key] = item
    return out


def _no_float(text: str) -> Any:
    raise NotCanonicalValue(f"{text} is not a whole number", value=text)
