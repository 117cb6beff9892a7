"""The attribute rules (``one_per``, ``earns_after``) for a whole batch: rule status and claim key.

They are the domain's ``rule_facts`` per event (``saxaul.domain.methodology``), restated in
Polars for the texts a regex can read exactly, and left to ``rule_facts`` itself for the rest:

- *flat* texts — one JSON object of plain scalars (strings without escapes or control
  characters, numbers, ``true``/``false``/``null``), each rule's key at most once — are what
  ingest stores for almost every event (canonical, compact JSON). For them JSON decoding is the
  identity on the matched token, so extracting ``"key":value`` with a regex reads what
  ``json.loads`` would: a string is its content, an integer its decimal digits (``-0`` is
  ``0``), anything else is no value.
- every other text (nesting, escapes, a repeated key, ``NaN``, no object at all) goes through
  ``rule_facts`` once per distinct (behaviour, text), so the two scorers stay equal.

Only the RFC 3339 instant of ``earns_after`` is parsed in Python, once per distinct text
(``instant_of``): it is the domain's parser, and appointment times repeat.

Example: ``utility_bill`` (``one_per`` account_number, month) with attributes
``{"account_number":4401}`` → claim ``utility_bill/account_number=4401``; with ``{}`` →
rule status ``missing_attribute``.
"""

from __future__ import annotations

import re
import sys
from typing import TypeVar

import polars as pl

from saxaul.domain.events import EventStatus
from saxaul.domain.methodology import MAX_KEY_CHARS, Behaviour, instant_of, rule_facts
from saxaul.scoring.table import UTC_MICROS, BehaviourTable

RULES_SCHEMA: dict[str, pl.DataType] = {
    "row": pl.Int64(),
    "rule_status": pl.String(),
    "claim": pl.String(),
}
"""Per event of a behaviour with attribute rules: why they refuse it (or null), its claim key."""

_WS = r"[ \t\n\r]*"
"""JSON's whitespace (Python's ``json`` reads exactly these four)."""
_STRING = r'"[^"\\\x00-\x1f]*"'
_NUMBER = r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"
_SCALAR = rf"(?:{_STRING}|{_NUMBER}|true|false|null)"
_PAIR = rf"{_WS}{_STRING}{_WS}:{_WS}{_SCALAR}{_WS}"
_FLAT = rf"^{_WS}\{{(?:{_PAIR}(?:,{_PAIR})*|{_WS})\}}{_WS}$"
_INTEGER = r"^-?(?:0|[1-9][0-9]*)$"
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_]+")
"""Attribute names the regex path reads; any other name sends its texts to ``rule_facts``."""
_FLAT_MAX_BYTES = sys.int_info.default_max_str_digits
"""Longer texts go to ``rule_facts``: ``json`` refuses an integer of more digits than Python
converts, and then the reference reads no attribute at all."""
_FACTS_SCHEMA: dict[str, pl.DataType] = {
    "row": pl.Int64(),
    "occurred_at": UTC_MICROS,
    "claim": pl.String(),
    "after": UTC_MICROS,
    "missing": pl.Boolean(),
}


FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)


def with_attributes(events: FrameT) -> FrameT:
    """``events`` with an ``attributes`` column (all null if the caller had none)."""
    if "attributes" in events.collect_schema().names():
        return events
    return events.with_columns(pl.lit(None, pl.String).alias("attributes"))


def rule_columns(events: pl.DataFrame, table: BehaviourTable) -> pl.DataFrame:
    """``rule_status`` and ``claim`` (``RULES_SCHEMA``) of every event whose behaviour has
    attribute rules; events of other behaviours have no row."""
    ruled = {bid: b for bid, (_, b) in table.index.items() if b.attribute_rules}
    if not ruled:
        return pl.DataFrame(schema=RULES_SCHEMA)
    subject = (
        with_attributes(events)
        .filter(pl.col("behaviour").is_in(list(ruled)))
        .select("row", "behaviour", "occurred_at", "attributes")
    )
    parts = [
        _facts(subject.filter(pl.col("behaviour") == bid), behaviour)
        for bid, behaviour in ruled.items()
    ]
    facts = pl.concat([p for p in parts if p.height] or [pl.DataFrame(schema=_FACTS_SCHEMA)])
    too_early = ~pl.col("missing") & (pl.col("occurred_at") < pl.col("after")).fill_null(False)
    return facts.select(
        "row",
        rule_status=pl.when("missing")
        .then(pl.lit(EventStatus.MISSING_ATTRIBUTE.value))
        .when(too_early)
        .then(pl.lit(EventStatus.TOO_EARLY.value)),
        claim="claim",
    ).cast(RULES_SCHEMA)  # type: ignore[arg-type]


def _facts(rows: pl.DataFrame, behaviour: Behaviour) -> pl.DataFrame:
    """``_FACTS_SCHEMA`` for one behaviour's events: regex path for flat texts, else Python."""
    if rows.is_empty():
        return pl.DataFrame(schema=_FACTS_SCHEMA)
    names = [n for n in (_one_per(behaviour), behaviour.earns_after) if n is not None]
    text = pl.col("attributes")
    readable = text.str.len_bytes() <= _FLAT_MAX_BYTES
    readable &= text.str.contains(_FLAT)
    for name in names:
        if _PLAIN_NAME.fullmatch(name) is None:
            readable = pl.lit(False)
            break
        readable &= text.str.count_matches(rf'[{{,]{_WS}"{name}"{_WS}:') <= 1
    fast = rows.filter(text.is_null() | readable)
    slow = rows.filter(text.is_not_null() & ~readable)
    return pl.concat([_fast_facts(fast, behaviour), _slow_facts(slow, behaviour)])


def _one_per(behaviour: Behaviour) -> str | None:
    return None if behaviour.one_per is None else behaviour.one_per.attribute


def _value(name: str) -> pl.Expr:
    """The attribute ``name`` of a flat text as ``_text`` reads it: text of 1–64 characters."""
    token = pl.col("attributes").str.extract(rf'[{{,]{_WS}"{name}"{_WS}:{_WS}({_SCALAR})', 1)
    text = (
        pl.when(token.str.starts_with('"'))
        .then(token.str.slice(1, token.str.len_chars() - 2))
        .when(token.str.contains(_INTEGER))
        .then(pl.when(token == "-0").then(pl.lit("0")).otherwise(token))
    )
    return pl.when(text.str.len_chars().is_between(1, MAX_KEY_CHARS)).then(text)


def _fast_facts(rows: pl.DataFrame, behaviour: Behaviour) -> pl.DataFrame:
    """Facts of flat (or absent) texts, read by regex; instants by ``instant_of`` per text."""
    if rows.is_empty():
        return pl.DataFrame(schema=_FACTS_SCHEMA)
    claim = pl.lit(None, pl.String)
    missing = pl.lit(False)
    if behaviour.one_per is not None:
        name = behaviour.one_per.attribute
        claim = pl.concat_str(pl.lit(f"{behaviour.id}/{name}="), _value(name))
        missing |= pl.col("claim").is_null()
    after_text = pl.lit(None, pl.String)
    if behaviour.earns_after is not None:
        after_text = _value(behaviour.earns_after)
    read = rows.select("row", "occurred_at", claim.alias("claim"), after_text.alias("after_text"))
    texts = read["after_text"].drop_nulls().unique()
    instants = pl.DataFrame(
        {"after_text": texts, "after": [instant_of(t) for t in texts]},
        schema={"after_text": pl.String(), "after": UTC_MICROS},
    )
    read = read.join(instants, on="after_text", how="left", maintain_order="left")
    if behaviour.earns_after is not None:
        missing |= pl.col("after").is_null()
    return read.select("row", "occurred_at", "claim", "after", missing.alias("missing")).cast(
        _FACTS_SCHEMA  # type: ignore[arg-type]
    )


def _slow_facts(rows: pl.DataFrame, behaviour: Behaviour) -> pl.DataFrame:
    """Facts of every other text, by the domain's ``rule_facts`` once per distinct text."""
    if rows.is_empty():
        return pl.DataFrame(schema=_FACTS_SCHEMA)
    texts = rows["attributes"].unique()
    facts = [rule_facts(behaviour, text) for text in texts]
    read = pl.DataFrame(
        {
            "attributes": texts,
            "claim": [f.claim for f in facts],
            "after": [f.after for f in facts],
            "missing": [f.missing for f in facts],
        },
        schema={
            "attributes": pl.String(),
            "claim": pl.String(),
            "after": UTC_MICROS,
            "missing": pl.Boolean(),
        },
    )
    return rows.join(read, on="attributes", how="left", maintain_order="left").select(
        *_FACTS_SCHEMA
    )
