"""One real activity earns under one pack: the programme's choice, refused when missing."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from saxaul.domain.errors import PackInvalid, ProgrammeInvalid
from saxaul.domain.participants import ConsentScope, Participant
from saxaul.domain.programme import programme
from saxaul.methodology import find_pack, load_pack_text, shipped_pack_paths, shipped_packs
from saxaul.methodology.registry import shipped_choices
from saxaul.scoring import BehaviourTable, ScoringEvent, score_both
from saxaul.services.methodology import active_programme

SHIPPED = shipped_packs()
AF = find_pack(SHIPPED, "ant-forest-2017")
SZ = find_pack(SHIPPED, "shenzhen-public-transit-2021")
UK = find_pack(SHIPPED, "desnz-2025-mode-shift")
AT = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
SINCE = AT - dt.timedelta(days=1)
RIDER = Participant("rider", SINCE, frozenset({ConsentScope.SCORING}), SINCE)


def test_two_packs_measuring_one_activity_need_a_choice() -> None:
    with pytest.raises(ProgrammeInvalid) as refusal:
        BehaviourTable.from_packs([AF, SZ])

    assert refusal.value.fields["activity"] == "bus_trip"
    assert "ant-forest-2017@2.0.0 (bus_ride)" in refusal.value.detail
    assert "shenzhen-public-transit-2021@1.1.0 (ebus_km)" in refusal.value.detail


def test_the_chosen_pack_alone_scores_the_activity() -> None:
    choices = {"metro_trip": SZ.id, "bus_trip": AF.id}
    ids = BehaviourTable.from_packs([AF, SZ], choices).behaviour_ids

    assert {"metro_km", "bus_ride", "walking"} <= ids
    assert not {"metro_ride", "ebus_km"} & ids
    assert programme([AF, SZ], choices).passed_over() == {"metro_ride": SZ.id, "ebus_km": AF.id}


def test_a_refused_behaviour_is_told_what_the_programme_scores_instead() -> None:
    chosen = programme([AF, SZ], {"metro_trip": SZ.id, "bus_trip": AF.id})

    assert chosen.refusal("metro_ride") == (
        f"behaviour 'metro_ride' ({AF.id}) measures metro_trip, which this programme scores as "
        f"'metro_km' under {SZ.id}; send metro_km, or choose the pack with "
        f"SAXAUL_ACTIVITY_PACKS=metro_trip={AF.id}"
    )
    unknown = chosen.refusal("rocket")
    assert unknown.startswith("behaviour 'rocket' is not scored by this programme; send one of:")
    assert "metro_km" in unknown and "metro_ride" not in unknown


def test_one_trip_sent_as_both_behaviours_earns_one_award() -> None:
    trip = [
        ScoringEvent(0, "rider", "metro_ride", AT, 1.0),
        ScoringEvent(1, "rider", "metro_km", AT, 10.0),
    ]
    for chosen, scored in ((AF.id, "metro_ride"), (SZ.id, "metro_km")):
        choices = {"metro_trip": chosen, "bus_trip": AF.id}
        known = BehaviourTable.from_packs([AF, SZ], choices).behaviour_ids
        events = [e for e in trip if e.behaviour in known]  # the import refuses the other
        reference, kernel = score_both(events, [RIDER], {}, [AF, SZ], choices)

        assert reference == kernel
        assert [(a.behaviour, a.pack_id) for a in kernel.awards] == [(scored, chosen)]


@pytest.mark.parametrize(
    ("choices", "wrong"),
    [
        ({"ferry_trip": "ant-forest-2017"}, "not measured by any active pack"),
        ({"metro_trip": "desnz-2025-mode-shift"}, "cannot be scored by 'desnz-2025-mode-shift'"),
    ],
)
def test_a_choice_must_name_an_active_pack_measuring_the_activity(
    choices: dict[str, str], wrong: str
) -> None:
    with pytest.raises(ProgrammeInvalid, match=wrong):
        programme([AF, SZ], choices | {"bus_trip": AF.id})


def test_the_shipped_programme_runs_every_shipped_pack_with_its_choices() -> None:
    shipped = active_programme("", "")

    assert {p.ref for p in shipped.packs} == {AF.ref, SZ.ref, UK.ref}
    assert (
        dict(shipped.choices)
        == shipped_choices()
        == {
            "bus_trip": AF.id,
            "metro_trip": AF.id,
            "walk": AF.id,
        }
    )


def test_an_operator_choice_overrides_the_shipped_one() -> None:
    chosen = active_programme("", "metro_trip=shenzhen-public-transit-2021")

    assert dict(chosen.choices)["metro_trip"] == SZ.id
    assert dict(chosen.choices)["bus_trip"] == AF.id


def test_explicit_packs_must_choose_every_shared_activity() -> None:
    with pytest.raises(ProgrammeInvalid) as refusal:
        active_programme("ant-forest-2017,shenzhen-public-transit-2021", "bus_trip=ant-forest-2017")

    assert refusal.value.fields["activity"] == "metro_trip"
    assert "SAXAUL_ACTIVITY_PACKS, e.g. metro_trip=<pack id>" in refusal.value.detail
    alone = active_programme("shenzhen-public-transit-2021", "")
    assert alone.choices == ()


@pytest.mark.parametrize("spec", ["metro_trip", "metro_trip=", "=ant-forest-2017", "a=b,a=b"])
def test_a_malformed_choice_is_refused(spec: str) -> None:
    with pytest.raises(ProgrammeInvalid, match="expected activity=pack-id"):
        active_programme("", spec)


def test_a_pack_without_activities_may_not_run_beside_others() -> None:
    with pytest.raises(ProgrammeInvalid, match=r"ant-forest-2017@1\.0\.0 do"):
        active_programme("ant-forest-2017@1.0.0,shenzhen-public-transit-2021", "")
    assert active_programme("ant-forest-2017@1.0.0", "").packs[0].version == "1.0.0"


def test_one_pack_may_not_measure_an_activity_twice() -> None:
    text = SZ_TEXT.replace('id = "shenzhen-public-transit-2021"', 'id = "twice"').replace(
        'activity = "bus_trip"', 'activity = "metro_trip"'
    )
    with pytest.raises(PackInvalid) as refusal:
        load_pack_text(text, "pack.toml")

    assert refusal.value.fields["field"] == "behaviours[1].activity"
    assert "already measured by behaviours[0] (metro_km)" in refusal.value.detail


def test_published_versions_are_untouched() -> None:
    old = find_pack(SHIPPED, "ant-forest-2017@1.0.0")

    assert all(b.activity is None and not b.attribute_rules for b in old.behaviours)
    assert dataclasses.replace(old, version=AF.version).factors == AF.factors


SZ_TEXT = next(
    p for p in shipped_pack_paths() if (p.parent.parent.name, p.parent.name) == (SZ.id, "1.1.0")
).read_text("utf-8")
