"""The shipped packs: they load, they keep their promises, and their vectors add up.

The vectors are re-computed here with the domain's own arithmetic (``event_mg``,
``apply_caps``), so a wrong expected total is caught where the pack is written, before the
scorers' cross-check in ``tests/vectors``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from jsonschema import Draft202012Validator

from saxaul.domain.methodology import (
    CapPeriod,
    CapUsage,
    Pack,
    TestVector,
    apply_caps,
    claim_key,
    event_mg,
    rate_mg_per_unit,
    rule_status,
)
from saxaul.domain.units import day_ordinal, month_ordinal
from saxaul.methodology import (
    load_pack_text,
    pack_from_document,
    pack_to_dict,
    shipped_pack_paths,
    shipped_packs,
)
from saxaul.methodology.validate import schema

SHIPPED = shipped_packs()
BY_ID = {pack.id: pack for pack in SHIPPED}
DOCS = Path(__file__).resolve().parents[2] / "docs" / "methodology-format.md"

BEHAVIOURS = {
    "ant-forest-2017": {
        "walking",
        "offline_payment",
        "utility_bill",
        "online_ticket",
        "train_ticket",
        "hospital_appointment",
        "metro_ride",
        "bus_ride",
        "e_invoice",
        "etc_toll",
    },
    "shenzhen-public-transit-2021": {"metro_km", "ebus_km"},
    "desnz-2025-mode-shift": {
        "uk_bus_km",
        "uk_rail_km",
        "uk_underground_km",
        "uk_light_rail_km",
        "uk_cycle_km",
        "uk_walk_km",
    },
}


def credited_mg(pack: Pack, vector: TestVector) -> int:
    """One user's credit for a vector, placed as the format says: day 0 is the later of the
    pack's effective_from and 2026-01-05, events at 12:00 local plus their day, 1 s apart."""
    behaviour = pack.behaviour(vector.behaviour_id)
    rate = rate_mg_per_unit(pack, behaviour)
    first_day = max(pack.effective_from, dt.date(2026, 1, 5))
    usage: dict[int, CapUsage] = {}
    claimed: set[tuple[str, int]] = set()
    total = 0
    for i, event in enumerate(vector.events):
        local = first_day + dt.timedelta(days=event.day)
        at = dt.datetime.combine(local, dt.time(12), ZoneInfo(pack.timezone))
        at += dt.timedelta(seconds=i)
        keys = {CapPeriod.DAY: day_ordinal(local), CapPeriod.MONTH: month_ordinal(local), None: 0}
        if rule_status(behaviour, at, event.attributes) is not None:
            continue
        raw = event_mg(rate, event.quantity, event.amount_minor, behaviour)
        claim = claim_key(behaviour, event.attributes)
        if raw and claim is not None and behaviour.one_per is not None:
            if (claim, keys[behaviour.one_per.period]) in claimed:
                continue
            claimed.add((claim, keys[behaviour.one_per.period]))
        key = keys[behaviour.caps.period]
        (credit,), usage[key] = apply_caps([raw], usage.get(key, CapUsage()), behaviour.caps)
        total += credit
    return total


def test_the_three_packs_ship_with_their_behaviours() -> None:
    assert {pack.id: {b.id for b in pack.behaviours} for pack in SHIPPED} == BEHAVIOURS


def test_a_behaviour_id_belongs_to_one_pack() -> None:
    owners: dict[str, str] = {}
    for pack in SHIPPED:
        for behaviour in pack.behaviours:
            assert owners.setdefault(behaviour.id, pack.id) == pack.id, behaviour.id


@pytest.mark.parametrize("pack", SHIPPED, ids=lambda p: p.ref)
def test_every_vector_adds_up(pack: Pack) -> None:
    assert pack.vectors
    for vector in pack.vectors:
        expected_mg = vector.expected_total_g * 1000
        assert credited_mg(pack, vector) == expected_mg, vector.id


@pytest.mark.parametrize("pack", SHIPPED, ids=lambda p: p.ref)
def test_every_number_is_sourced_and_explained(pack: Pack) -> None:
    path = next(
        p
        for p in shipped_pack_paths()
        if (p.parent.parent.name, p.parent.name) == (pack.id, pack.version)
    )
    sources_md = (path.parent / "SOURCES.md").read_text("utf-8")
    cited = {source.id for source in pack.sources}
    for factor in pack.factors:
        assert factor.source_id in cited and factor.note, factor.id
        assert factor.value.normalize().to_eng_string() in sources_md.replace(",", ""), factor.id
    for source in pack.sources:
        assert source.url.split("#")[0] in sources_md or source.url.startswith("SOURCES.md")
    used = {fid for behaviour in pack.behaviours for fid in behaviour.factor_ids}
    assert used == {factor.id for factor in pack.factors}, "every factor is used"
    assert re.search(r"not (a verified|an inventory|credits)", pack.notes), "honesty statement"


def test_published_values_are_as_cited() -> None:
    af, sz, uk = (
        BY_ID["ant-forest-2017"],
        BY_ID["shenzhen-public-transit-2021"],
        BY_ID["desnz-2025-mode-shift"],
    )
    assert {f.id: f.value for f in af.factors} == {
        "walking_g_per_step": Decimal("0.02"),
        "offline_payment_g": Decimal(5),
        "utility_bill_g": Decimal(262),
        "online_ticket_g": Decimal(180),
        "train_ticket_g": Decimal(136),
        "hospital_appointment_g": Decimal(277),
        "metro_ride_g": Decimal(52),
        "bus_ride_g": Decimal(80),
        "e_invoice_g": Decimal(5),
        "etc_toll_g": Decimal(23),
    }
    assert af.factor("etc_toll_g").status.value == "U"
    assert af.behaviour("walking").caps.max_mg == 296_000
    assert af.behaviour("offline_payment").min_amount_minor == 100
    assert (af.timezone, af.effective_from) == ("Asia/Shanghai", dt.date(2016, 8, 27))
    assert rate_mg_per_unit(sz, sz.behaviour("metro_km")) == 46_700
    assert rate_mg_per_unit(sz, sz.behaviour("ebus_km")) == 26_900
    assert rate_mg_per_unit(uk, uk.behaviour("uk_underground_km")) == 139_450
    assert uk.timezone == "Europe/London"
    assert "Open Government Licence v3.0" in uk.sources[0].licence


@pytest.mark.parametrize("pack", SHIPPED, ids=lambda p: p.ref)
def test_pack_to_dict_is_json_and_round_trips(pack: Pack) -> None:
    data = pack_to_dict(pack)
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert data["content_hash"] == pack.content_hash
    document = {key: value for key, value in data.items() if key != "content_hash"}
    rebuilt = pack_from_document(document, "round-trip")
    assert dataclasses.replace(rebuilt, content_hash=pack.content_hash) == pack


def test_pack_to_dict_shows_what_a_reader_needs() -> None:
    data = pack_to_dict(BY_ID["ant-forest-2017"])
    walking = next(b for b in data["behaviours"] if b["id"] == "walking")
    assert walking["caps"] == {"period": "day", "max_g": "296"}
    assert walking["factors"] == ["walking_g_per_step"]
    factor = next(f for f in data["factors"] if f["id"] == "walking_g_per_step")
    assert factor["value"] == "0.02" and factor["unit"] == "g CO2/step"
    vector = next(v for v in data["vectors"] if v["id"] == "utility_eleventh_bill")
    assert len(vector["events"]) == 11  # repeat is expanded
    assert "effective_to" not in data


def test_the_schema_is_valid_draft_2020_12() -> None:
    Draft202012Validator.check_schema(schema())
    assert schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_the_documented_example_loads_and_adds_up() -> None:
    text = DOCS.read_text("utf-8")
    example = re.search(r"```toml\n(.*?)```", text, re.S)
    assert example is not None
    pack = load_pack_text(example[1], "docs/methodology-format.md")
    assert pack.ref == "acme-bike-commute@1.0.0"
    (vector,) = pack.vectors
    assert credited_mg(pack, vector) == vector.expected_total_g * 1000 == 2_669_000
