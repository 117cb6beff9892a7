"""The kernel's attribute rules (``scoring.rules``) read every text as the domain's
``rule_facts`` does: flat texts by regex, the rest by ``rule_facts`` itself."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from saxaul.domain.methodology import rule_facts
from saxaul.methodology import find_pack, shipped_packs
from saxaul.scoring.rules import rule_columns
from saxaul.scoring.table import BehaviourTable

AF = find_pack(shipped_packs(), "ant-forest-2017")
TABLE = BehaviourTable.from_packs([AF])
AT = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)
RULED = {"utility_bill": "account_number", "hospital_appointment": "visited_at"}

_VALUES = st.one_of(
    st.text(max_size=70),
    st.sampled_from(["4401", "", "2026-03-01T08:00:00+08:00", "2026-03-01T10:00:00Z", "-0"]),
    st.integers(min_value=-(10**70), max_value=10**70),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
    st.just({"nested": 1}),
    st.just([1, 2]),
)
_SPACES = st.sampled_from(["", " ", "\n", "\t ", "\u00a0"])


@st.composite
def attribute_texts(draw: st.DrawFn) -> str | None:
    """Canonical, spaced, repeated-key, escaped and broken JSON texts (and none)."""
    kind = draw(st.sampled_from(["none", "object", "raw"]))
    if kind == "none":
        return None
    if kind == "raw":
        return draw(
            st.sampled_from(
                [
                    "",
                    "[]",
                    "{",
                    '{"account_number":NaN}',
                    '{"account_number":"a","account_number":"b"}',
                    '{"visited_at":"x", "visited_at":"2026-03-01T08:00:00+08:00"}',
                    '{"account_number":012}',
                    '{"account_number":"a\\u0062"}',
                    '{"x":{"account_number":"in"}}',
                    '\ufeff{"account_number":"a"}',
                    '{"account_number":1E2}',
                    '{"account_number":"tab\there"}',
                ]
            )
        )
    keys = draw(st.lists(st.sampled_from([*RULED.values(), "x", "account"]), max_size=4))
    pairs = [(key, draw(_VALUES)) for key in keys]
    space = draw(_SPACES)
    body = f",{space}".join(
        f"{space}{json.dumps(k)}{space}:{space}{json.dumps(v, ensure_ascii=draw(st.booleans()))}"
        for k, v in pairs
    )
    return "{" + body + space + "}"


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(sorted(RULED)), attribute_texts()), max_size=12))
def test_rule_columns_equal_rule_facts(events: list[tuple[str, str | None]]) -> None:
    frame = pl.DataFrame(
        {
            "row": list(range(len(events))),
            "behaviour": [b for b, _ in events],
            "occurred_at": [AT] * len(events),
            "attributes": [a for _, a in events],
        },
        schema={
            "row": pl.Int64,
            "behaviour": pl.String,
            "occurred_at": pl.Datetime("us", "UTC"),
            "attributes": pl.String,
        },
    )
    got = {row: (status, claim) for row, status, claim in rule_columns(frame, TABLE).iter_rows()}
    behaviours = {b.id: b for b in AF.behaviours}
    for row, (behaviour, attributes) in enumerate(events):
        facts = rule_facts(behaviours[behaviour], attributes)
        status = facts.status_at(AT)
        assert got[row] == (None if status is None else status.value, facts.claim), attributes
