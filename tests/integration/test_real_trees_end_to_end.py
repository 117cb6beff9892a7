"""A saxaul paid for with real energy becomes a real tree, told to a real receiver, certified in
a file anyone can check offline: the whole chain through the HTTP API, on both stores.

The story: an NGO signs up, is approved, opens a live saxaul project of capacity 3 and
subscribes a live webhook to an HTTPS receiver on 127.0.0.1 (``real_trees``: live webhooks
must be ``https://``). u1 rides the metro 3 times and the bus 250 times on 11-04 (imported
events, scored, minted into balls), collects them and plants a saxaul. The operator batches
orders; the NGO sees its order and the ``order.created`` delivery, accepts, and reports the
planting; the receiver gets ``evidence.accepted`` then ``certificate.issued``. u1 downloads the
certificate, and ``saxaul certificate verify`` in its own process, with no database, finds it
genuine and names the events and pack that paid; any changed byte makes it fail.

Why the runtime seeds no default projects (``Settings(projects="")``): the default catalogue
opens a saxaul project too, and allocation picks by fill ratio then project id; with none
seeded, the NGO's project is the only room, so the tree is its own by construction, not by how
a random project id sorts. The capacity race is ``test_tree_capacity``'s (services, threads);
the short capacity story here is what a participant and the NGO see over HTTP: the species'
``remaining_capacity``, ``no_capacity`` costing nothing, and room again once capacity is raised.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from saxaul.api.app import create_app
from saxaul.bootstrap import bootstrap
from saxaul.config import Settings
from saxaul.services import webhooks
from saxaul.services.api_keys import create_api_key
from saxaul.services.balls import mint_balls
from saxaul.services.participant_auth import issue_token
from saxaul.services.runtime import Runtime
from tests.api.game.world import DAY, TOKEN_TTL, World, rich
from tests.api.helpers import assert_problem
from tests.api.partner.webhook_receiver import Receiver, receiver, verify
from tests.conftest import FakeClock
from tests.game_world import enrol, rides

from .real_trees import trusted_tls, verify_command

Headers = dict[str, str]
NGO = "alxa-greening"
SITE = {"name": "Alxa belt plot 7", "region_zh": "内蒙古阿拉善盟", "region_en": "Alxa League"}
METRO_EVENTS = [f"transit/u1-2026-11-04-{n}" for n in range(3)]
BUS_EVENT = "transit/u1-2026-11-04-bus"


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Either store, with no default projects (see the module's docstring); webhooks may reach
    the receiver on 127.0.0.1, as an operator allows an on-premise one."""
    return Settings(
        database_url=database_url, projects="", webhooks_allowed_networks="127.0.0.1/32"
    )


@pytest.fixture
def rt(settings: Settings, clock: FakeClock) -> Iterator[Runtime]:
    runtime = bootstrap(settings, clock=clock)
    yield runtime
    runtime.db.dispose()


@pytest.fixture
def client(settings: Settings, rt: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(settings, runtime=rt)) as test_client:
        yield test_client


@pytest.fixture
def auth(rt: Runtime) -> Headers:
    return {"Authorization": f"Bearer {create_api_key(rt, 'test-operator')}"}


def test_a_saxaul_planted_in_the_game_is_planted_told_and_certified(
    rt: Runtime,
    client: TestClient,
    auth: Headers,
    clock: FakeClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    live = approved_ngo_with_a_live_key(client, auth)
    project_id = open_project(client, live, capacity=3)

    with receiver(tls=trusted_tls(tmp_path, monkeypatch)) as got:
        subscribed = client.post(
            "/v1/partner/webhooks", headers=live, json={"url": got.url, "event_types": ["*"]}
        )
        assert subscribed.status_code == 201, subscribed.text
        secret = subscribed.json()["secret"]
        assert webhooks.dispatch_until_idle(rt).sent == 0, "nothing happened since subscribing"

        world = funded_players(rt, client, auth, tmp_path, ["u1"])
        planted = world.post("u1", "/v1/me/trees", key="plant-1", json={"species_id": "saxaul"})
        assert planted.status_code == 200, planted.text
        tree_id = planted.json()["tree"]["id"]
        assert world.energy("u1") == 156 + 20_000 - 17_900
        shown = client.get(f"/v1/partner/projects/{project_id}", headers=live).json()
        assert (shown["capacity"], shown["allocated"]) == (3, 1)

        batched = client.post("/v1/operator/orders", headers=auth)
        assert batched.status_code == 200, batched.text
        assert batched.json() == {"orders": 1, "trees": 1}
        (order,) = client.get("/v1/partner/orders", headers=live).json()["items"]
        order_id = order["id"]
        assert (order["project_id"], order["status"], order["units"]) == (
            project_id,
            "proposed",
            1,
        )
        webhooks.dispatch_until_idle(rt)
        (created,) = received(got, secret, clock)
        assert created["type"] == "order.created" and created["mode"] == "live"
        assert created["data"]["order"]["id"] == order_id
        assert created["data"]["tree_ids"] == [tree_id]

        accepted = client.post(f"/v1/partner/orders/{order_id}/accept", headers=live)
        assert accepted.status_code == 200, accepted.text
        assert [t["status"] for t in accepted.json()["trees"]] == ["ordered"]

        reported = client.post(
            f"/v1/partner/orders/{order_id}/evidence", headers=live, json=planting(tree_id)
        )
        assert reported.status_code == 201, reported.text
        evidence = reported.json()["evidence"]
        assert reported.json()["outcomes"] == {tree_id: "planted"}
        assert reported.json()["order"]["status"] == "fulfilled"
        webhooks.dispatch_until_idle(rt)
        events = received(got, secret, clock)

    assert [e["type"] for e in events] == [
        "order.created",
        "order.accepted",
        "evidence.accepted",
        "certificate.issued",
    ]
    assert events[2]["data"]["evidence"]["sha256"] == evidence["sha256"]
    assert events[2]["data"]["trees"] == {tree_id: "planted"}
    assert events[3]["data"] == {
        "tree_id": tree_id,
        "number": f"SX-{tree_id}",
        "order_id": order_id,
    }

    certificate = world.get("u1", f"/v1/me/trees/{tree_id}/certificate")
    assert certificate.status_code == 200, certificate.text
    cert = json.loads(certificate.content)["certificate"]
    liability = cert["liability"]
    assert (liability["status"], liability["project"]["id"]) == ("planted", project_id)
    assert liability["order"] == {"id": order_id, "status": "fulfilled"}
    assert [(e["sha256"], e["kind"], e["outcome"]) for e in liability["evidence"]] == [
        (evidence["sha256"], "planting", "planted")
    ]
    packs = {award["pack"] for award in cert["awards"].values()}
    (pack,) = packs
    assert pack.startswith("ant-forest-2017@")

    file = tmp_path / "certificate.json"
    file.write_bytes(certificate.content)
    public_key = client.get("/v1/certificates/public-key").json()["public_key"]
    offline = f"sqlite:///{tmp_path / 'absent' / 'nowhere.db'}"
    checked = verify_command(file, public_key, offline)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith(f"genuine SX-{tree_id}: Saxaul (梭梭)")
    assert f"156 g ← metro_ride {pack} 2026-11-04: {', '.join(METRO_EVENTS)}" in checked.stdout
    assert f"17744 g ← bus_ride {pack} 2026-11-04: {BUS_EVENT}" in checked.stdout
    assert not (tmp_path / "absent").exists(), "verifying opened no database"

    for name, changed in tampered(certificate.content).items():
        bad = tmp_path / f"{name}.json"
        bad.write_bytes(changed)
        refused = verify_command(bad, public_key, offline)
        assert refused.returncode == 1, (name, refused.stdout)
        assert "not genuine" in refused.stderr, (name, refused.stderr)
        assert REASONS[name] in refused.stderr, (name, refused.stderr)

    pipeline = client.get("/v1/operator/trees/pipeline", headers=auth)
    assert pipeline.status_code == 200, pipeline.text
    total = pipeline.json()["total"]
    assert (total["planted"], total["owed"], total["ordered"], total["total"]) == (1, 0, 0, 1)
    tree = world.get("u1", f"/v1/trees/{tree_id}").json()
    assert tree["planting"]["status"] == "planted"


def test_a_full_project_refuses_the_next_tree_and_keeps_its_promises(
    rt: Runtime, client: TestClient, auth: Headers, tmp_path: Path
) -> None:
    live = approved_ngo_with_a_live_key(client, auth)
    project_id = open_project(client, live, capacity=1)
    world = funded_players(rt, client, auth, tmp_path, ["u1", "u2"])
    assert room_for_saxaul(world, "u1") == 1

    first = world.post("u1", "/v1/me/trees", key="plant-1", json={"species_id": "saxaul"})
    second = world.post("u2", "/v1/me/trees", key="plant-2", json={"species_id": "saxaul"})

    assert first.status_code == 200, first.text
    refused = assert_problem(second, 409, "no_capacity")
    assert refused["detail_zh"]
    assert world.energy("u2") == 156 + 20_000, "a refused tree costs nothing"
    assert room_for_saxaul(world, "u1") == 0
    raised = client.patch(f"/v1/partner/projects/{project_id}", headers=live, json={"capacity": 2})
    assert raised.status_code == 200, raised.text
    again = world.post("u2", "/v1/me/trees", key="plant-3", json={"species_id": "saxaul"})
    assert again.status_code == 200, again.text
    shown = client.get(f"/v1/partner/projects/{project_id}", headers=live).json()
    assert (shown["capacity"], shown["allocated"]) == (2, 2)


def room_for_saxaul(world: World, user: str) -> int:
    """The saxaul's ``remaining_capacity`` as a participant sees it in the species list."""
    listed = world.get(user, "/v1/species").json()
    species = listed["species"] if isinstance(listed, dict) else listed
    (saxaul,) = [s for s in species if s["id"] == "saxaul"]
    room: int = saxaul["remaining_capacity"]
    return room


REASONS = {
    "signature": "the signature does not match the content",
    "grams": "the signature does not match the content",
    "event_id": "the signature does not match the content",
    "whitespace": "not canonical",
}


def tampered(data: bytes) -> dict[str, bytes]:
    """``data`` with one byte changed: in the signature, a gram amount, an event id, and the
    final newline turned into a space."""
    signature_at = data.index(b'"value":"') + len(b'"value":"') + 10
    grams_at = data.index(b'"grams":17744') + len(b'"grams":1774')
    event_at = data.index(b"u1-2026-11-04-bus") + len(b"u1-2026-11-04-bu")
    changes = {"signature": signature_at, "grams": grams_at, "event_id": event_at}
    out = {name: one_byte(data, at) for name, at in changes.items()}
    assert data.endswith(b"}\n")
    out["whitespace"] = data[:-1] + b" "
    return out


def one_byte(data: bytes, at: int) -> bytes:
    """``data`` with the byte at ``at`` replaced by another of its kind (digit or letter)."""
    old = data[at : at + 1]
    new = b"5" if old.isdigit() and old != b"5" else b"4" if old.isdigit() else b"x"
    if new == old:
        new = b"y"
    return data[:at] + new + data[at + 1 :]


def approved_ngo_with_a_live_key(client: TestClient, auth: Headers) -> Headers:
    """The NGO signed up, approved by the operator; headers of its new live key."""
    signed_up = client.post(
        "/v1/partners",
        json={
            "partner_id": NGO,
            "name_en": "Alxa Greening",
            "name_zh": "阿拉善绿化",
            "kind": "ngo",
            "contact_email": "tech@alxa-greening.example",
            "owner_name": "Li Wei",
        },
    )
    assert signed_up.status_code == 201, signed_up.text
    sandbox = {"Authorization": f"Bearer {signed_up.json()['key']['secret']}"}
    approved = client.post(
        f"/v1/operator/partners/{NGO}/approve", headers=auth, json={"note": "agreement signed"}
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    key = client.post(
        "/v1/partner/keys",
        headers=sandbox,
        json={
            "name": "production",
            "mode": "live",
            "scopes": [
                "projects:read",
                "projects:write",
                "orders:read",
                "orders:write",
                "evidence:write",
                "webhooks:read",
                "webhooks:write",
            ],
        },
    )
    assert key.status_code == 201, key.text
    assert key.json()["secret"].startswith("sxp_live_")
    return {"Authorization": f"Bearer {key.json()['secret']}"}


def open_project(client: TestClient, live: Headers, capacity: int) -> str:
    """An open live saxaul project of the NGO; returns its id."""
    made = client.post(
        "/v1/partner/projects",
        headers=live,
        json={
            "outcome": "trees",
            "species_id": "saxaul",
            "title_en": "Alxa saxaul belt",
            "title_zh": "阿拉善梭梭林带",
            "site": SITE | {"geometry": {"type": "Point", "coordinates": [105.6, 39.2]}},
            "capacity": capacity,
            "starts_on": "2026-01-01",
            "evidence_required": ["planting_date", "planting_gps", "planting_photos"],
            "status": "open",
        },
    )
    assert made.status_code == 201, made.text
    assert (made.json()["mode"], made.json()["allocated"]) == ("live", 0)
    project_id: str = made.json()["id"]
    return project_id


def funded_players(
    rt: Runtime, client: TestClient, auth: Headers, tmp_path: Path, users: list[str]
) -> World:
    """``users``, each with a ball of 3 metro rides and one of 250 bus rides (11-04), both
    collected: 156 + 20,000 g each."""
    enrol(rt, users, tmp_path)
    for user in users:
        rides(rt, user, 3, DAY)
    assert mint_balls(rt).balls == len(users)
    tokens = {u: issue_token(rt, u, TOKEN_TTL).token for u in users}
    world = World(client, {u: {"Authorization": f"Bearer {t}"} for u, t in tokens.items()}, auth)
    for user in users:
        assert rich(world, rt, user, 250) == 156 + 20_000
    return world


def planting(tree_id: str) -> dict[str, Any]:
    """The NGO's planting report of ``tree_id``, on the day the tree was ordered."""
    return {
        "kind": "planting",
        "planted_on": "2026-11-06",
        "location": {"lat": 39.2, "lon": 105.6},
        "photos": [{"sha256": "9f" * 32}],
        "trees": [{"tree_id": tree_id, "plot_id": "A", "tag": "A-001"}],
        "irrigation": "drip",
    }


def received(got: Receiver, secret: str, clock: FakeClock) -> list[dict[str, Any]]:
    """What the receiver acknowledged, each checked as a partner's receiver would: the
    signature with the subscription's secret, and the event id header."""
    for body in got.received:
        header = body["_headers"]["Saxaul-Signature"]
        assert verify(secret, header, body["_raw"], clock.now().timestamp()), header
        assert body["_headers"]["Saxaul-Event-Id"] == body["id"]
    return [{k: v for k, v in b.items() if not k.startswith("_")} for b in got.received]
