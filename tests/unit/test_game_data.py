"""The shipped game data loads, keeps price and sink apart, and malformed files are refused.

Each refusal case breaks a shipped file in exactly one place (a text substitution), so the
table doubles as a catalogue of what ``saxaul.catalogue`` checks, and the expected field is
the one a person must fix.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest

from saxaul.catalogue import (
    content_hash,
    energy_rules_from_text,
    load_energy_rules,
    load_species,
    shipped_energy_rules,
    shipped_species,
    species_from_text,
)
from saxaul.domain.errors import PackInvalid
from saxaul.domain.game_rules import EnergyRules, SpeciesCatalogue, Tag

PACKS = Path(str(resources.files("saxaul.packs")))
RULES_TEXT = (PACKS / "rules/energy/1.0.1/rules.toml").read_text("utf-8")
SPECIES_TEXT = (PACKS / "catalogue/species/1.0.1/species.toml").read_text("utf-8")


def test_shipped_energy_rules_load_with_tags() -> None:
    rules = shipped_energy_rules()
    assert rules.ref == "energy@1.0.1"
    assert rules.content_hash.startswith("sha256:")
    assert rules.expiry_after_ripe == dt.timedelta(hours=72)
    assert rules.steal_share == Decimal("0.30")
    assert rules.steals_per_ball_per_friend == 1
    assert rules.watering_steps_g == (10, 18, 66)
    assert rules.protection_covers[0] == dt.timedelta(hours=24)
    assert rules.provenance_of("expiry_after_ripe_h").tag is Tag.UNCONFIRMED
    assert "Anti-abuse" in rules.provenance_of("daily_steal_limit").note
    cited = {p.source_id for _, p in rules.provenance}
    assert cited <= {s.id for s in rules.sources}


@pytest.mark.parametrize(("remaining_g", "taken_g"), [(25, 7), (100, 30), (10, 3), (3, 0)])
def test_steal_takes_floored_share_or_nothing(remaining_g: int, taken_g: int) -> None:
    assert shipped_energy_rules().steal_g(remaining_g) == taken_g


def test_shipped_species_keep_price_and_sink_apart() -> None:
    catalogue = shipped_species()
    assert catalogue.ref == "species@1.0.1"
    saxaul = catalogue.get("saxaul")
    assert saxaul.energy_cost_g == 17_900
    assert saxaul.cost_provenance.tag is Tag.SEED
    assert saxaul.sink is not None
    assert saxaul.sink.kg_co2 == Decimal("17.9")
    assert saxaul.sink.provenance.tag is Tag.SEED
    assert saxaul.survival.provenance.tag is Tag.PUBLIC
    assert len(catalogue.species) == 7
    assert [s.id for s in catalogue.species if s.sink is not None] == ["saxaul"]
    assert catalogue.get("red_willow").cost_provenance.tag is Tag.PUBLIC


def test_unknown_species_names_what_exists() -> None:
    with pytest.raises(KeyError, match="saxaul"):
        shipped_species().get("oak")


# Balls and trees record the version that timed or priced them, so a published version's
# values never change (a corrected source is a new version); comments and SOURCES.md may.
PUBLISHED = {
    "rules/energy/1.0.1/rules.toml": (
        "sha256:d8e9146e1f3fef09713a50d1bd94773e2023cad8aef7ddab03030e7587c1ee0e"
    ),
    "catalogue/species/1.0.1/species.toml": (
        "sha256:68c7879a538f45f70df984f50d20165041d60a55873840eb50ee892922c10eeb"
    ),
}


@pytest.mark.parametrize("path", PUBLISHED)
def test_published_versions_keep_their_content_hash(path: str) -> None:
    load = load_energy_rules if path.startswith("rules/") else load_species
    assert load(PACKS / path).content_hash == PUBLISHED[path]


# A public address as cited (scheme optional), or a section of the SOURCES.md beside the file
# for a default with no public source; never a path to notes a reader cannot open.
PUBLIC_ADDRESS = re.compile(r"(https?://)?[a-z0-9-]+(\.[a-z0-9-]+)+(/\S*)?")
OWN_SECTION = re.compile(r"SOURCES\.md#([a-z0-9-]+)")


def _anchors(sources_md: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    headings = re.findall(r"^#+ (.+)$", sources_md, flags=re.MULTILINE)
    return {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") for h in headings}


@pytest.mark.parametrize(
    ("loaded", "kind"),
    [(shipped_energy_rules(), "rules/energy"), (shipped_species(), "catalogue/species")],
    ids=["rules", "species"],
)
def test_shipped_sources_are_public_or_explained_beside_the_file(
    loaded: EnergyRules | SpeciesCatalogue, kind: str
) -> None:
    anchors = _anchors((PACKS / kind / loaded.version / "SOURCES.md").read_text("utf-8"))
    for source in loaded.sources:
        own = OWN_SECTION.fullmatch(source.address)
        if own is None:
            assert PUBLIC_ADDRESS.fullmatch(source.address), (source.id, source.address)
        else:
            assert own.group(1) in anchors, (source.id, source.address)


def test_hash_ignores_comments_but_not_values() -> None:
    rules = energy_rules_from_text(RULES_TEXT, "rules.toml")
    recommented = energy_rules_from_text("# another comment\n" + RULES_TEXT, "rules.toml")
    changed = energy_rules_from_text(RULES_TEXT.replace("value = 72", "value = 48"), "rules.toml")
    assert rules.content_hash == recommented.content_hash != changed.content_hash
    assert content_hash({"b": 1, "a": "梭"}) == content_hash({"a": "梭", "b": 1})


RULES_CASES = [
    ('value = "0.30"', 'value = "1.5"', "rules.steal_share.value"),
    ('value = "0.30"', 'value = "0"', "rules.steal_share.value"),
    ('value = "0.30"', "value = 0.3", "rules.steal_share.value"),
    ("value = 72", "value = 0", "rules.expiry_after_ripe_h.value"),
    ("value = [10, 18, 66]", "value = [10, 18, 10]", "rules.watering_steps_g.value[2]"),
    ("value = [24, 72, 168]", "value = []", "rules.protection_cover_h.value"),
    ('value = "floor"', 'value = "round"', "rules.steal_rounding.value"),
    ('timezone = "Asia/Shanghai"', 'timezone = "Asia/Atlantis"', "timezone"),
    ('status = "U"', 'status = "X"', "rules.ripening_delay_h.status"),
    ('source = "saxaul_rules"', 'source = "nowhere"', "rules.daily_steal_limit.source"),
    ("[rules.daily_watering_limit]", "[rules.daily_watering_cap]", "rules.daily_watering_cap"),
]


@pytest.mark.parametrize(("old", "new", "field"), RULES_CASES)
def test_malformed_rules_are_refused_with_field(old: str, new: str, field: str) -> None:
    assert old in RULES_TEXT
    with pytest.raises(PackInvalid) as caught:
        energy_rules_from_text(RULES_TEXT.replace(old, new, 1), "rules.toml")
    assert caught.value.fields["field"] == field
    assert caught.value.detail.startswith(f"rules.toml: {field}: ")


SINK_U = 'sink_kg_co2 = { value = "17.9", status = "U"'
SPECIES_CASES = [
    ("energy_cost_g = 17900", "energy_cost_g = 0", "species[0].energy_cost_g"),
    ('id = "red_willow"', 'id = "saxaul"', "species[1].id"),
    ('sink_kg_co2 = { value = "17.9", status = "S"', SINK_U, "species[0].sink_kg_co2.status"),
    (
        'sink_kg_co2 = { value = "17.9", status = "S", source = "seed_report_2017"',
        'sink_kg_co2 = { value = "17.9", status = "S", source = "hearsay"',
        "species[0].sink_kg_co2.source",
    ),
    (
        'sink_kg_co2 = { value = "17.9"',
        'sink_kg_co2 = { value = "0"',
        "species[0].sink_kg_co2.value",
    ),
    ('irrigated_rate = "0.85"', 'irrigated_rate = "0.20"', "species[0].survival.irrigated_rate"),
    ('rate = "0.30"', 'rate = "1.30"', "species[0].survival.rate"),
    ('scientific_name = "Haloxylon ammodendron"\n', "", "species[0].scientific_name"),
    ('format = "saxaul-species-catalogue/1"', 'format = "saxaul-species/2"', "format"),
]


@pytest.mark.parametrize(("old", "new", "field"), SPECIES_CASES)
def test_malformed_species_are_refused_with_field(old: str, new: str, field: str) -> None:
    assert old in SPECIES_TEXT
    with pytest.raises(PackInvalid) as caught:
        species_from_text(SPECIES_TEXT.replace(old, new, 1), "species.toml")
    assert caught.value.fields["field"] == field


def test_unreadable_files_are_refused(tmp_path: Path) -> None:
    broken = tmp_path / "rules.toml"
    broken.write_text("format = [", "utf-8")
    with pytest.raises(PackInvalid, match="TOML syntax error"):
        load_energy_rules(broken)
    broken.write_bytes(b"\xff\xfe")
    with pytest.raises(PackInvalid, match="not UTF-8"):
        load_energy_rules(broken)
    with pytest.raises(PackInvalid, match="cannot read"):
        load_energy_rules(tmp_path / "missing.toml")
