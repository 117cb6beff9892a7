"""A promised tree's signed certificate, from the events that funded it, on both stores.

The world is ``certificate_world``'s: the certificate names both awards that paid for u1's
saxaul with their pack and events, and verifies.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, update

from saxaul.domain.canonical_json import canonical
from saxaul.domain.certificates import pseudonym
from saxaul.domain.errors import NotFound
from saxaul.services import certificates, game_requests
from saxaul.services.balls import mint_balls
from saxaul.services.certificate_seal import CertificateInvalid, verify
from saxaul.services.game_batch import play_request
from saxaul.services.runtime import Runtime
from saxaul.store.tables import (
    evidence,
    partners,
    planting_orders,
    projects,
    tree_evidence,
    tree_liabilities,
)
from tests.certificate_world import DAY, collect_all, planted
from tests.conftest import FakeClock
from tests.game_world import befriend, bus_trips, enrol, rides

PACK = re.compile(r"^[a-z0-9-]+@\d+\.\d+\.\d+$")


def test_the_certificate_names_the_events_that_funded_the_tree(
    runtime: Runtime, clock: FakeClock, tmp_path: Path
) -> None:
    tree_id = planted(runtime, clock, tmp_path)

    data = certificates.signed(runtime, tree_id, user="u1")

    cert: dict[str, Any] = dict(verify(data, pinned=runtime.keys.public_key).certificate)
    me = pseudonym(runtime.keys.secret("pseudonym"), "u1")
    assert cert["number"] == f"SX-{tree_id}" and cert["tree"]["cost_g"] == 17_900
    assert cert["tree"]["species"]["name_zh"] == "梭梭" and cert["tree"]["mode"] == "solo"
    assert cert["planters"] == [{"pseudonym": me, "grams": 17_900}]
    # only the events' own ids hold the user id (the signature is left out: being random
    # base64, it spells "u1" now and then)
    assert b"u1" not in canonical(cert).replace(b"u1-2026", b"")
    (share,) = cert["funding"]
    assert (share["kind"], share["planter"], share["amount_g"]) == ("plant", me, 17_900)
    metro, bus = share["energy"]
    assert (metro["kind"], metro["grams"], bus["grams"]) == ("collect", 156, 17_744)
    awards = cert["awards"]
    assert set(awards) == {metro["award"], bus["award"]}
    assert awards[metro["award"]]["behaviour"] == "metro_ride"
    assert all(PACK.match(a["pack"]) for a in awards.values())
    assert [(e["source"], e["event_id"]) for e in awards[metro["award"]]["events"]] == [
        ("transit", f"u1-2026-11-04-{n}") for n in range(3)
    ]
    assert awards[bus["award"]]["events"][0]["event_id"] == "u1-2026-11-04-bus"
    liability = cert["liability"]  # promised at once to the default catalogue's project
    assert (liability["status"], liability["order"], liability["evidence"]) == ("owed", None, [])
    assert liability["project"]["partner"]["id"] == "see-foundation"
    assert certificates.signed(runtime, tree_id, user="u1") == data  # deterministic


def test_only_a_planter_gets_it_and_only_once_promised(
    runtime: Runtime, clock: FakeClock, tmp_path: Path
) -> None:
    tree_id = planted(runtime, clock, tmp_path)
    befriend(runtime, "u1", "u2")
    funding = play_request(runtime, game_requests.co_plant("u1", "caragana", ["u2"], "co"))
    assert funding.tree is not None

    with pytest.raises(NotFound):
        certificates.signed(runtime, tree_id, user="u2")
    with pytest.raises(NotFound):
        certificates.signed(runtime, "nope", user="u1")
    with pytest.raises(certificates.NotPromised):
        certificates.signed(runtime, funding.tree.id, user="u1")
    assert verify(certificates.signed(runtime, tree_id, user=None)).certificate


def test_a_co_planted_tree_names_both_planters_and_the_pool(
    runtime: Runtime, clock: FakeClock, tmp_path: Path
) -> None:
    rt = runtime
    enrol(rt, ["u1", "u2"], tmp_path)
    befriend(rt, "u1", "u2")
    bus_trips(rt, "u1", 150, DAY)
    mint_balls(rt)
    rides(rt, "u2", 2, DAY)
    bus_trips(rt, "u2", 150, DAY)
    mint_balls(rt)
    clock.advance(hours=25)
    collect_all(rt, "u1")
    collect_all(rt, "u2")
    co = play_request(rt, game_requests.co_plant("u1", "caragana", ["u2"], "co"))
    assert co.tree is not None
    play_request(rt, game_requests.pool("u1", co.tree.id, 10_000, "p1"))
    play_request(rt, game_requests.pool("u2", co.tree.id, 16_930 - 10_000, "p2"))

    cert = verify(certificates.signed(rt, co.tree.id, user="u2")).certificate

    secret = rt.keys.secret("pseudonym")
    one, two = pseudonym(secret, "u1"), pseudonym(secret, "u2")
    assert cert["tree"]["mode"] == "co"
    assert cert["planters"] == [
        {"pseudonym": one, "grams": 10_000},
        {"pseudonym": two, "grams": 6_930},
    ]
    kinds = [(f["kind"], f["planter"], f["amount_g"]) for f in cert["funding"]]
    assert kinds == [("pool", one, 10_000), ("pool", two, 6_930), ("plant", None, 16_930)]
    u2_energy = cert["funding"][1]["energy"]
    assert [cert["awards"][p["award"]]["behaviour"] for p in u2_energy] == [
        "metro_ride",
        "bus_ride",
    ]
    assert sum(p["grams"] for p in u2_energy) == 6_930


def test_a_changed_amount_fails_the_signature(
    runtime: Runtime, clock: FakeClock, tmp_path: Path
) -> None:
    data = certificates.signed(runtime, planted(runtime, clock, tmp_path), user="u1")

    changed = data.replace(b'"cost_g":17900', b'"cost_g":17901')

    with pytest.raises(CertificateInvalid, match="signature does not match"):
        verify(changed)


def test_the_liability_shows_project_order_and_evidence(
    runtime: Runtime, clock: FakeClock, tmp_path: Path
) -> None:
    tree_id = planted(runtime, clock, tmp_path)
    # written directly, to show each part of the chain without the whole partner flow (the
    # end-to-end test, test_real_trees_end_to_end, goes through the API)
    with runtime.db.engine.begin() as conn:
        conn.execute(
            insert(partners).values(
                id="see",
                name_en="SEE Foundation",
                name_zh="阿拉善SEE",
                kind="ngo",
                status="approved",
                contact_email="a@b.c",
                created_at_us=1,
            )
        )
        conn.execute(
            insert(projects).values(
                id="p1",
                partner_id="see",
                mode="live",
                outcome="trees",
                species_id="saxaul",
                unit="tree",
                title_en="Alxa saxaul",
                title_zh="阿拉善梭梭",
                site='{"name": "Alxa", "region": {"zh": "阿拉善", "en": "Alxa"}, '
                '"geometry": {"type": "Point", "coordinates": [105.7, 38.8]}}',
                capacity=10,
                energy_price_g=17900,
                starts_on="2026-01-01",
                evidence_required="[]",
                status="open",
                created_at_us=1,
                updated_at_us=1,
            )
        )
        conn.execute(
            insert(planting_orders).values(
                id="o1",
                partner_id="see",
                project_id="p1",
                mode="live",
                status="accepted",
                units=1,
                created_at_us=1,
            )
        )
        conn.execute(
            update(tree_liabilities)
            .where(tree_liabilities.c.tree_id == tree_id)
            .values(project_id="p1", order_id="o1", status="planted", updated_at_us=2)
        )
        conn.execute(
            insert(evidence).values(
                id=1,
                partner_id="see",
                order_id="o1",
                kind="planting",
                document="{}",
                sha256="ab" * 32,
                reported_at_us=3,
            )
        )
        conn.execute(
            insert(tree_evidence).values(tree_id=tree_id, evidence_id=1, outcome="planted")
        )

    liability = verify(certificates.signed(runtime, tree_id, user="u1")).certificate["liability"]

    assert liability["status"] == "planted" and liability["order"] == {
        "id": "o1",
        "status": "accepted",
    }
    assert liability["project"]["site"] == {
        "name": "Alxa",
        "region": {"zh": "阿拉善", "en": "Alxa"},
    }
    assert liability["project"]["partner"]["name_zh"] == "阿拉善SEE"
    assert [(e["sha256"], e["outcome"]) for e in liability["evidence"]] == [("ab" * 32, "planted")]
