"""Move answers as stored JSON and back (``services.view_json``), and answers stored earlier.

Why answers of earlier releases matter: a retry may come after an upgrade, and the row it
replays was written before the views were typed; it must read into the same view.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from saxaul.domain.ledger import TransferKind
from saxaul.domain.planting import TreeStatus
from saxaul.services.game_views import MoveAnswer

STORED_BEFORE = (Path(__file__).parent / "stored_answers.ndjson").read_text().splitlines()
"""A steal, a cover and a planting as the release before typed views stored them
(``requests.response``), verbatim."""


@pytest.mark.parametrize("stored", STORED_BEFORE, ids=["steal", "protect", "plant"])
def test_an_answer_stored_before_reads_back_and_stores_the_same_json(stored: str) -> None:
    data = json.loads(stored)

    answer = MoveAnswer.from_json(data)

    if data.get("tree"):  # stored before certificates were signed: no url or key yet
        certificate = data["tree"]["certificate"] | {"url": None, "key_id": None}
        data = data | {"tree": data["tree"] | {"certificate": certificate}}
    assert not answer.replayed
    expected = {"ball": None, "tree": None, "cover": None} | data | {"replayed": False}
    if expected["tree"] is not None:  # stored before trees showed their planting status
        expected["tree"] = {"planting": None} | expected["tree"]
    assert answer.to_json() == expected
    assert MoveAnswer.from_json(json.loads(json.dumps(answer.to_json()))) == answer


def test_a_stored_answer_reads_back_typed() -> None:
    answer = MoveAnswer.from_json(json.loads(STORED_BEFORE[2]))

    (transfer,) = answer.transfers
    assert (transfer.kind, transfer.from_, transfer.to) == (
        TransferKind.PLANT,
        "user:u1",
        "planted",
    )
    assert transfer.at == dt.datetime(2026, 11, 6, 13, tzinfo=dt.UTC)
    assert answer.tree is not None and answer.tree.status is TreeStatus.PROMISED
    assert answer.tree.members == ("u1",) and answer.tree.shares[0].grams == 17_900
    assert answer.tree.certificate is not None
    assert answer.tree.certificate.species_zh == "梭梭"
    assert answer.tree.certificate.url is None and answer.tree.certificate.key_id is None
    assert answer.ball is None and answer.cover is None
