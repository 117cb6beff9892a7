"""Isolation cases for the business scenario routes (``/v1/partner/scenarios``)."""

from __future__ import annotations

import json

from saxaul.domain.partners import PartnerKind

from .isolation import Arranged, Caller, IsolationCase
from .scenario_helpers import TITLE, approved, fragment, propose, refill


def _draft(a: Caller) -> Arranged:
    scenario_id = propose(a)
    return Arranged(params={"scenario_id": scenario_id}, secrets=(TITLE,))


def _approved(a: Caller) -> Arranged:
    scenario_id = approved(a)
    return Arranged(params={"scenario_id": scenario_id}, secrets=(TITLE,))


def _events(_: Arranged) -> tuple[bytes, str]:
    return json.dumps([refill("iso-1", "p1")]).encode(), "application/json"


PATH = "/v1/partner/scenarios/{scenario_id}"
BIZ = PartnerKind.BUSINESS
CASES = [
    IsolationCase("GET", "/v1/partner/scenarios", BIZ, _draft, foreign_path=False),
    IsolationCase(
        "POST",
        "/v1/partner/scenarios",
        BIZ,
        _draft,
        body=lambda _: {"title": "Mine", "fragment": fragment("b_refill", "b_cup_refill")},
        foreign_path=False,
    ),
    IsolationCase("GET", PATH, BIZ, _draft),
    IsolationCase("PUT", PATH, BIZ, _draft, body=lambda _: {"fragment": fragment()}),
    IsolationCase("POST", PATH + "/sandbox", BIZ, _draft, content=_events),
    IsolationCase("POST", PATH + "/submit", BIZ, _draft),
    IsolationCase("POST", PATH + "/events", BIZ, _approved, content=_events),
    IsolationCase("GET", PATH + "/impact", BIZ, _approved),
]
