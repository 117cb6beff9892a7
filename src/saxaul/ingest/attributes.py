"""``attributes``: a JSON object kept as canonical text, so equal content hashes equal.

Canonical means compact (no spaces), keys sorted by code point at every level, integral
numbers below 2**53 written as integers (``1.0`` → ``1``, ``1e5`` → ``100000``, as RFC 8785
does), other numbers in Python's shortest form, non-ASCII kept as UTF-8. Example::

    '{ "mode": "metro", "line": 2.0 }'  →  '{"line":2,"mode":"metro"}'

Why two paths: most attributes are small flat objects that are already canonical (or only
have spaces after ``:`` and ``,``); a regex recognises those in Polars at millions of rows a
second. Anything else (nesting, floats, escapes, unsorted keys) is parsed by ``json`` once per
distinct text.
"""

from __future__ import annotations

import json

import polars as pl

from saxaul.ingest.checks import FieldCheck, Problem, code
from saxaul.ingest.columns import MAX_CHARS
from saxaul.ingest.fields import is_blank, source
from saxaul.ingest.nesting import TooDeep, loads

_STRING = r'"[^"\\\x00-\x1f]*"'
_KEY = r'"[^"\\\x00-\x21:]*"'
"""Keys without space, '!' or ':' sort the same with their closing quote as without it."""
_SCALAR = rf"(?:{_STRING}|0|-?[1-9][0-9]*|true|false|null)"
_PAIR = rf"{_KEY}:{_SCALAR}"
_CANONICAL_FLAT = rf"^\{{(?:{_PAIR}(?:,{_PAIR})*)?\}}$"
_KEYS = r'"[^"\\]*":'
_SPACES = r'("[^"\\]*")|\s*([{}\[\]:,])\s*'
_MAX_RAW_CHARS = 16 * MAX_CHARS["attributes"]
_LIMIT = MAX_CHARS["attributes"]
_MAX_FAST_KEYS = 8


def attributes_check(frame: pl.DataFrame, name: str = "attributes") -> FieldCheck:
    """Canonical text for objects the regex recognises; RETRY (Python) for every other value."""
    expr, dtype = source(frame, name)
    text: pl.Expr
    if isinstance(dtype, pl.Struct):
        text = pl.when(expr.is_not_null()).then(expr.struct.json_encode())
    elif dtype in (pl.String, pl.Null):
        text = expr.cast(pl.String)
    else:
        text = pl.when(expr.is_not_null()).then(pl.lit("[]"))
    keys, fast = f"__keys_{name}", f"__canonical_{name}"
    problem = (
        pl.when(is_blank(text))
        .then(None)
        .when(~pl.col(fast))
        .then(code(Problem.RETRY))
        .when(text.str.len_chars() > _LIMIT)
        .then(code(Problem.TOO_LONG))
        .otherwise(None)
    )
    prepare = (
        text.str.extract_all(_KEYS).alias(keys),
        _is_canonical_flat(text, pl.col(keys)).alias(fast),
    )
    return FieldCheck(name, pl.when(pl.col(fast)).then(text), problem, _resolve, prepare)


def _is_canonical_flat(text: pl.Expr, keys: pl.Expr) -> pl.Expr:
    """Already canonical: a flat object of plain strings, integers, booleans and nulls whose
    keys (``text``'s ``"key":`` matches, at most ``_MAX_FAST_KEYS``) are strictly ascending."""
    ascending = pl.all_horizontal(
        (keys.list.get(i, null_on_oob=True) < keys.list.get(i + 1, null_on_oob=True)).fill_null(
            True
        )
        for i in range(_MAX_FAST_KEYS - 1)
    )
    flat = text.str.contains(_CANONICAL_FLAT) & (keys.list.len() <= _MAX_FAST_KEYS)
    return (flat & ascending).fill_null(False)


def _resolve(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Strip spaces in Polars where that is enough; parse the rest once per distinct text."""
    if isinstance(values.dtype, pl.Struct):
        texts = values.struct.json_encode()
    elif values.dtype in (pl.String, pl.Null):
        texts = values.cast(pl.String)
    else:
        texts = pl.Series(["[]"] * len(values), dtype=pl.String)
    compact = texts.str.replace_all(_SPACES, "$1$2")
    keys = compact.str.extract_all(_KEYS)
    fast = pl.select(_is_canonical_flat(pl.lit(compact), pl.lit(keys))).to_series()
    seen: dict[str, str | Problem] = {}
    canonical: list[str | None] = []
    problems: list[int | None] = []
    for text, short, ok in zip(texts.to_list(), compact.to_list(), fast.to_list(), strict=True):
        if ok:
            result: str | Problem = short
        else:
            if text not in seen:
                seen[text] = canonical_json(text)
            result = seen[text]
        if isinstance(result, Problem):
            canonical.append(None)
            problems.append(int(result))
        elif len(result) > _LIMIT:
            canonical.append(None)
            problems.append(int(Problem.TOO_LONG))
        else:
            canonical.append(result)
            problems.append(None)
    return pl.Series(canonical, dtype=pl.String), pl.Series(problems, dtype=pl.UInt8)


def canonical_json(text: str) -> str | Problem:
    """The canonical text of a JSON object, or why it is not one.

    >>> canonical_json('{"b": [1.0, {"z": 1, "a": 2}], "a": "é"}')
    '{"a":"é","b":[1,{"a":2,"z":1}]}'
    """
    if len(text) > _MAX_RAW_CHARS:
        return Problem.TOO_LONG
    try:
        value = loads(text, parse_constant=_no_constants)
    except TooDeep:
        return Problem.TOO_DEEP
    except ValueError:
        return Problem.NOT_OBJECT
    if not isinstance(value, dict):
        return Problem.NOT_OBJECT
    try:
        return json.dumps(
            _integral(value),
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
            allow_nan=False,
        )
    except ValueError:
        return Problem.NOT_OBJECT


def _no_constants(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _integral(value: object) -> object:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2.0**53:
        return int(value)
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral(v) for v in value]
    return value
