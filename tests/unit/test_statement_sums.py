"""A statement's own arithmetic: whose accounts it names, and sums that must agree."""

from __future__ import annotations

from typing import Any

import pytest

from saxaul.domain.statements import (
    OTHER_PARTICIPANT,
    fate,
    inconsistency,
    names_others,
    party,
    tally,
    totals,
)

MINE = {"user:u1", "debt:u1", "ball:7"}
HISTORY = [
    {"seq": 1, "kind": "award", "amount_g": 100, "from": "issuance", "to": "ball:7"},
    {"seq": 2, "kind": "steal", "amount_g": 30, "from": "ball:7", "to": OTHER_PARTICIPANT},
    {"seq": 3, "kind": "collect", "amount_g": 70, "from": "ball:7", "to": "user:u1"},
    {"seq": 4, "kind": "water", "amount_g": 10, "from": "user:u1", "to": OTHER_PARTICIPANT},
]
AWARDS = [{"energy_g": 100, "avoided_mg": 5_000}]


def _statement(**changes: Any) -> dict[str, Any]:
    history = [{**e, "at": "2026-11-05T12:00:00+00:00"} for e in HISTORY]
    counted = tally(history)
    doc = {
        "generated_at": "2026-11-06T00:00:00+00:00",
        "period": {"from": "2026-01-01T00:00:00+00:00", "to": "2026-11-06T00:00:00+00:00"},
        "participant": {"user_id": "u1"},
        "awards": AWARDS,
        "balls": [{"id": "7", **fate("7", 100, counted)}],
        "history": history,
        "trees": [],
        "totals": totals("u1", AWARDS, counted),
    }
    return doc | changes


def test_another_participants_accounts_are_never_named() -> None:
    assert party("user:u2", MINE) == party("ball:8", MINE) == party("debt:u2", MINE)
    assert party("user:u2", MINE) == OTHER_PARTICIPANT
    assert [party(a, MINE) for a in ("user:u1", "ball:7", "tree:t1", "issuance")] == [
        "user:u1",
        "ball:7",
        "tree:t1",
        "issuance",
    ]


def test_sums_of_a_consistent_statement_hold() -> None:
    doc = _statement()

    assert inconsistency(doc) is None
    assert doc["totals"] == {
        "energy_g": 60,
        "owed_g": 0,
        "in_balls_g": 0,
        "awarded_g": 100,
        "avoided_mg": 5_000,
    }
    assert doc["balls"][0]["fate"] == "steal+collect"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"totals": {**_statement()["totals"], "energy_g": 61}}, "totals.energy_g"),
        ({"history": _statement()["history"][::-1]}, "ledger order"),
        ({"balls": [{**_statement()["balls"][0], "fate": "collect"}]}, "fate disagrees"),
        ({"history": "nothing"}, "malformed: history is not a list"),
        ({"participant": None}, "malformed: participant is not an object"),
        ({"period": {"from": "yesterday", "to": "today"}}, "malformed: from"),
    ],
)
def test_a_statement_whose_sums_disagree_says_why(changes: dict[str, Any], reason: str) -> None:
    assert reason in (inconsistency(_statement(**changes)) or "")


def test_a_certificate_tracing_someone_elses_award_names_others() -> None:
    certificate = {"certificate": {"awards": {"7": {}, "8": {}}}}

    assert names_others(certificate, {"7"})
    assert not names_others(certificate, {"7", "8"})
