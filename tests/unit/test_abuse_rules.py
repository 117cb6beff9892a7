"""The abuse rules file: shipped, tagged and sourced, pinned by hash, and refused with the
field to fix when a rule lacks what its kind needs."""

from __future__ import annotations

from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest

from saxaul.catalogue import abuse_rules_from_text, load_abuse_rules, shipped_abuse_rules
from saxaul.domain.abuse_rules import NEEDS, PLAUSIBILITY_KINDS, RuleKind
from saxaul.domain.errors import PackInvalid
from tests.unit.test_game_data import OWN_SECTION, PUBLIC_ADDRESS, _anchors

PACKS = Path(str(resources.files("saxaul.packs")))
RULES = "rules/abuse/1.0.0/rules.toml"
TEXT = (PACKS / RULES).read_text("utf-8")
PUBLISHED_HASH = "sha256:331a87a5ff2268f78bb11a7a82de5ca4adadb6ab0fed884fb0ef2a973fe7b61f"
"""Flags record the version that raised them, so a published version's values never change."""


def test_shipped_abuse_rules_cover_every_kind_with_tagged_thresholds() -> None:
    rules = shipped_abuse_rules()
    assert rules.ref == "abuse@1.0.0"
    assert {rule.kind for rule in rules.rules} == set(RuleKind)
    for rule in rules.rules:
        assert set(rule.thresholds) == NEEDS[rule.kind]
        assert (rule.behaviour is not None) == (rule.kind in PLAUSIBILITY_KINDS)
        assert rule.reason_en and rule.reason_zh
        for threshold in rule.thresholds.values():
            assert threshold.provenance.note and threshold.provenance.tag in {"P", "U"}
    assert rules.get("walking_steps_per_day").number("max_quantity") == 100_000
    assert rules.get("funnel_ring").number("min_share") == Decimal("0.5")


def test_the_published_version_keeps_its_content_hash() -> None:
    assert load_abuse_rules(PACKS / RULES).content_hash == PUBLISHED_HASH


def test_sources_are_public_or_explained_beside_the_file() -> None:
    rules = shipped_abuse_rules()
    anchors = _anchors((PACKS / "rules/abuse/1.0.0/SOURCES.md").read_text("utf-8"))
    for source in rules.sources:
        own = OWN_SECTION.fullmatch(source.address)
        if own is None:
            assert PUBLIC_ADDRESS.fullmatch(source.address), source.address
        else:
            assert own.group(1) in anchors, source.address


CASES = [
    (
        "[rules.round_the_clock.thresholds.min_hours]",
        "[rules.round_the_clock.thresholds.hours]",
        "rules.round_the_clock.thresholds",
    ),
    ('behaviour = "walking"\n', "", "rules.walking_steps_per_day.behaviour"),
    ('attribute = "duration_s"\n', "", "rules.walk_speed.attribute"),
    ('value = "0.05"', 'value = "1.5"', "rules.regular_intervals.thresholds.max_cv.value"),
    (
        'source = "world_athletics_records"',
        'source = "nowhere"',
        "rules.walking_steps_per_day.thresholds.max_quantity.source",
    ),
    ('kind = "funnel_ring"', 'kind = "vibes"', "rules.funnel_ring.kind"),
    ('status = "P"', 'status = "S"', "rules.walking_steps_per_day.thresholds.max_quantity.status"),
    ('timezone = "Asia/Shanghai"', 'timezone = "Asia/Atlantis"', "timezone"),
]


@pytest.mark.parametrize(("old", "new", "field"), CASES)
def test_malformed_abuse_rules_are_refused_with_field(old: str, new: str, field: str) -> None:
    assert old in TEXT
    with pytest.raises(PackInvalid) as caught:
        abuse_rules_from_text(TEXT.replace(old, new, 1), "rules.toml")
    assert caught.value.fields["field"].startswith(field)
