"""Personal carbon statements over HTTP: export, verify offline, page, and import elsewhere.

The world is ``world.py``'s: u1 and u2 are friends who steal from each other's balls; u1 also
gets rich on bus rides and plants a saxaul alone. Instance A (for imports) is a second runtime
with its own SQLite database and key, where u1 plants a tree (``certificate_world``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from httpx import Response

from saxaul.bootstrap import bootstrap
from saxaul.config import Settings
from saxaul.domain.canonical_json import canonical, parse_strict
from saxaul.services import ledger_audit, statements
from saxaul.services.certificate_seal import parse_public_key
from saxaul.services.runtime import Runtime
from saxaul.services.statement_seal import StatementInvalid, seal, verify
from tests.api.conftest import BOTH_STORES
from tests.api.game.world import World, rich
from tests.api.helpers import assert_problem
from tests.certificate_world import planted
from tests.conftest import FakeClock

pytestmark = BOTH_STORES


@pytest.fixture
def played(ripe: World, rt: Runtime) -> World:
    """u1 and u2 steal from each other, collect the rest, and u1 plants a saxaul alone."""
    for thief, owner in (("u1", "u2"), ("u2", "u1")):
        stolen = ripe.post(thief, f"/v1/friends/{owner}/balls/{ripe.balls[owner]}/steal")
        assert stolen.status_code == 200, stolen.text
    for user in ("u1", "u2"):
        assert ripe.post(user, f"/v1/me/balls/{ripe.balls[user]}/collect").status_code == 200
    rich(ripe, rt, "u1", 250)
    tree = ripe.post("u1", "/v1/me/trees", key="plant-1", json={"species_id": "saxaul"})
    assert tree.status_code == 200, tree.text
    return ripe


@pytest.fixture
def instance_a(tmp_path: Path) -> Iterator[Runtime]:
    """Another instance: its own database and signing key, where u1 planted a saxaul."""
    clock = FakeClock(dt.datetime(2026, 11, 5, 12, 0, tzinfo=dt.UTC))
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'a.db'}",
        signing_key_file=str(tmp_path / "a-key.pem"),
    )
    (tmp_path / "a").mkdir()
    runtime = bootstrap(settings, clock=clock)
    planted(runtime, clock, tmp_path / "a")
    yield runtime
    runtime.db.dispose()


def _strings(value: Any) -> Iterator[str]:
    """Every text in a statement except signature blocks (random base64 may spell anything)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key not in ("signature", "key_id"):
                yield key
                yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def test_my_statement_verifies_offline_and_its_totals_equal_my_ledger(played: World) -> None:
    key = played.client.get("/v1/certificates/public-key").json()["public_key"]

    got = played.get("u1", "/v1/me/statement")

    assert got.status_code == 200, got.text
    assert got.headers["content-disposition"].startswith("attachment;")
    verified = verify(got.content, pinned=parse_public_key(key))
    doc = verified.statement
    forest = played.get("u1", "/v1/me/forest").json()
    assert doc["totals"]["energy_g"] == forest["energy_g"] > 0
    assert doc["totals"]["owed_g"] == forest["owed_g"]
    assert doc["participant"]["user_id"] == "u1" and doc["participant"]["opted_out"] is False
    fates = {ball["id"]: ball["fate"] for ball in doc["balls"]}
    assert fates[played.balls["u1"]] == "steal+collect"
    assert {a["pack"].split("@")[0] for a in doc["awards"]} >= {"ant-forest-2017"}
    assert all(a["factors"] and a["formula"] for a in doc["awards"])
    (tree,) = doc["trees"]
    assert tree["status"] == "promised" and tree["species"]["id"] == "saxaul"
    # the tree spent energy stolen from u2 first: its certificate traces u2's award, so it stays
    # out of my statement, with a note and the certificate's own url
    assert tree["certificate"] is None and verified.certificates == ()
    assert tree["certificate_withheld"]["url"] == f"/v1/me/trees/{tree['id']}/certificate"


def test_another_participants_id_never_appears_in_my_statement(played: World) -> None:
    doc = parse_strict(played.get("u1", "/v1/me/statement").content)["statement"]

    texts = set(_strings(doc))
    assert not [text for text in texts if "u2" in text or "u3" in text]
    other_ball = f"ball:{played.balls['u2']}"
    assert other_ball not in texts
    sides = {e["from"] for e in doc["history"]} | {e["to"] for e in doc["history"]}
    assert "another_participant" in sides  # u2 stole from me, and I from u2
    assert "another_participant" in doc["notice"]["en"] and doc["notice"]["zh"]


def test_any_changed_byte_fails_with_a_reason(played: World, rt: Runtime) -> None:
    data = played.get("u1", "/v1/me/statement").content
    energy = verify(data).statement["totals"]["energy_g"]

    changed = data.replace(f'"energy_g":{energy}'.encode(), f'"energy_g":{energy + 1}'.encode())
    with pytest.raises(StatementInvalid, match="signature does not match"):
        verify(changed)
    for at in range(0, len(data), max(1, len(data) // 40)):
        flipped = bytearray(data)
        flipped[at] ^= 0x01
        with pytest.raises(StatementInvalid) as refused:
            verify(bytes(flipped))
        assert refused.value.detail
    doc = dict(parse_strict(data)["statement"])
    doc["totals"] = {**doc["totals"], "energy_g": energy + 1}
    with pytest.raises(StatementInvalid, match=r"inconsistent: totals\.energy_g"):
        verify(seal(doc, rt.keys.sign, rt.keys.public_key))  # signed, but its sums do not hold


def test_the_page_renders_both_languages_with_no_script(played: World) -> None:
    zh = played.get("u1", "/v1/me/statement", params={"format": "html"})
    en = played.get("u1", "/v1/me/statement.html", params={"lang": "en"})

    for page in (zh, en):
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert "个人碳账户对账单" in page.text and "Personal carbon statement" in page.text
        assert "<script" not in page.text and "another_participant" in page.text
    assert zh.text.index("个人碳账户对账单") < zh.text.index("Personal carbon statement")
    assert en.text.index("Personal carbon statement") < en.text.index("个人碳账户对账单")
    assert '<html lang="en">' in en.text


def test_a_statement_from_another_instance_is_kept_as_read_only_history(
    played: World, rt: Runtime, instance_a: Runtime
) -> None:
    data = statements.signed(instance_a, "u1")
    before = played.get("u1", "/v1/me/forest").json()
    audit = ledger_audit.audit(rt)

    first = _bring(played, "u1", data)
    again = _bring(played, "u1", data)

    assert first.status_code == 201, first.text
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    kept = first.json()
    (certificate,) = verify(data).certificates  # u1 planted on A with their own energy only
    assert certificate.key_id == instance_a.keys.key_id
    assert kept["issuer_key_id"] == instance_a.keys.key_id != rt.keys.key_id
    assert kept["origin_user_id"] == "u1"
    listed = played.get("u1", "/v1/me/statements").json()
    assert [s["id"] for s in listed["items"]] == [kept["id"]] and listed["next_after_id"] is None
    one = played.get("u1", f"/v1/me/statements/{kept['id']}").json()
    assert canonical(one["file"]) + b"\n" == data
    after = played.get("u1", "/v1/me/forest").json()
    assert after["energy_g"] == before["energy_g"] and after["owed_g"] == before["owed_g"]
    assert ledger_audit.audit(rt) == audit  # not one transfer was written here
    assert played.get("u2", "/v1/me/statements").json()["items"] == []


def test_nobody_reads_a_statement_someone_else_brought(played: World, instance_a: Runtime) -> None:
    data = statements.signed(instance_a, "u1")
    kept = _bring(played, "u1", data).json()

    for user in ("u2", "u4"):
        assert_problem(played.get(user, f"/v1/me/statements/{kept['id']}"), 404, "not_found")
    assert_problem(played.get("u1", "/v1/me/statements/999999"), 404, "not_found")


def test_a_changed_statement_is_refused_naming_why(played: World, instance_a: Runtime) -> None:
    data = statements.signed(instance_a, "u1")
    changed = data.replace(b'"user_id":"u1"', b'"user_id":"u9"', 1)

    refused = _bring(played, "u1", changed)
    garbage = _bring(played, "u1", b'{"a":1}\n')

    body = assert_problem(refused, 422, "statement_invalid")
    assert "signature does not match" in body["detail"] and body["detail_zh"]
    assert body["field"] == "body"
    assert (
        "expected statement and signature"
        in assert_problem(garbage, 422, "statement_invalid")["detail"]
    )
    assert played.get("u1", "/v1/me/statements").json()["items"] == []


def _bring(world: World, user: str, data: bytes) -> Response:
    """``user`` posts the statement file ``data`` as it is."""
    headers = world.tokens[user] | {"Content-Type": "application/json"}
    return world.client.post("/v1/me/statements", content=data, headers=headers)
