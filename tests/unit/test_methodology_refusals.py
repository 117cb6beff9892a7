"""Every malformed pack is refused with ``PackInvalid`` naming the field a person must fix.

Each case breaks a small valid pack in exactly one place (a text substitution), so the table
doubles as a catalogue of what the loader checks.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saxaul.domain.errors import PackInvalid
from saxaul.methodology import load_pack, load_pack_text, pack_from_document
from saxaul.methodology.load import parse_document

VALID = """\
format = "saxaul-methodology/1"
id = "acme-test"
version = "1.0.0"
title = "Acme test pack"
summary = "A small valid pack that each refusal case breaks in one place."
region = "Testland"
timezone = "Europe/London"
effective_from = 2025-01-01
notes = "Test data only; not a verified reduction."

[[sources]]
id = "src_a"
title = "Source A"
url = "example.org/a"
locator = "table 1"
status = "S"

[[factors]]
id = "car"
value = "0.16725"
unit = "kg CO2e/passenger-km"
year = 2025
source = "src_a"
status = "S"

[[factors]]
id = "tube"
value = "0.0278"
unit = "kg CO2e/passenger-km"
year = 2025
source = "src_a"
status = "S"

[[factors]]
id = "step"
value = "0.02"
unit = "g CO2/step"
year = 2019
source = "src_a"
status = "S"

[[behaviours]]
id = "tube_km"
name_zh = "地铁"
name_en = "Tube"
category = "transport"
activity_unit = "km"
formula = "baseline_minus_project"
factors = ["car", "tube"]
caps = { period = "day", max_g = "5000" }

[[behaviours]]
id = "walk"
name_zh = "行走"
name_en = "Walking"
category = "transport"
activity_unit = "steps"
formula = "per_unit"
factors = ["step"]
caps = { per_event_max_g = "296" }

[[vectors]]
id = "tube_8_km"
behaviour = "tube_km"
events = [{ quantity = 8 }]
expected_total_g = "1115.6"
"""

# (case id, text to replace, replacement, expected field)
CASES = [
    ("missing_title", 'title = "Acme test pack"\n', "", "title"),
    ("wrong_format_tag", '"saxaul-methodology/1"', '"saxaul-methodology/2"', "format"),
    ("id_not_a_slug", 'id = "acme-test"', 'id = "Acme_Test"', "id"),
    ("version_not_semver", 'version = "1.0.0"', 'version = "1.0"', "version"),
    ("version_with_build", 'version = "1.0.0"', 'version = "1.0.0+build.5"', "version"),
    (
        "unknown_top_level_key",
        'region = "Testland"',
        'region = "Testland"\ncolour = "green"',
        "colour",
    ),
    ("bad_timezone", '"Europe/London"', '"Mars/Olympus_Mons"', "timezone"),
    ("timezone_path_trick", '"Europe/London"', '"../../etc/passwd"', "timezone"),
    (
        "date_as_datetime",
        "effective_from = 2025-01-01",
        "effective_from = 2025-01-01T00:00:00",
        "effective_from",
    ),
    (
        "date_impossible",
        "effective_from = 2025-01-01",
        'effective_from = "2025-02-30"',
        "effective_from",
    ),
    (
        "ends_before_start",
        "effective_from = 2025-01-01",
        "effective_from = 2025-01-01\neffective_to = 2024-12-31",
        "effective_to",
    ),
    (
        "bad_status",
        'locator = "table 1"\nstatus = "S"',
        'locator = "table 1"\nstatus = "X"',
        "sources[0].status",
    ),
    ("value_is_float", 'value = "0.16725"', "value = 0.16725", "factors[0].value"),
    ("value_not_decimal", 'value = "0.16725"', 'value = "about 0.17"', "factors[0].value"),
    ("value_exponent", 'value = "0.16725"', 'value = "1.6725e-1"', "factors[0].value"),
    ("value_negative", 'value = "0.16725"', 'value = "-0.16725"', "factors[0].value"),
    ("value_sub_milligram", 'value = "0.16725"', 'value = "0.0000001"', "factors[0].value"),
    ("unit_without_gas", 'unit = "g CO2/step"', 'unit = "g/step"', "factors[2].unit"),
    ("unit_bad_mass", 'unit = "g CO2/step"', 'unit = "lb CO2/step"', "factors[2].unit"),
    (
        "factor_unknown_source",
        'year = 2019\nsource = "src_a"',
        'year = 2019\nsource = "src_b"',
        "factors[2].source",
    ),
    ("factor_year_float", "year = 2019", "year = 2019.0", "factors[2].year"),
    ("duplicate_factor_id", 'id = "tube"', 'id = "car"', "factors[1].id"),
    ("unknown_formula", 'formula = "per_unit"', 'formula = "per_trip"', "behaviours[1].formula"),
    ("bmp_with_one_factor", '["car", "tube"]', '["car"]', "behaviours[0].factors"),
    ("per_unit_with_two_factors", '["step"]', '["step", "car"]', "behaviours[1].factors"),
    ("unknown_factor_ref", '["car", "tube"]', '["car", "metro"]', "behaviours[0].factors[1]"),
    (
        "baseline_project_unit_mismatch",
        'value = "0.0278"\nunit = "kg CO2e/passenger-km"',
        'value = "0.0278"\nunit = "kg CO2e/km"',
        "behaviours[0].factors[1]",
    ),
    (
        "baseline_project_gas_mismatch",
        'value = "0.0278"\nunit = "kg CO2e/passenger-km"',
        'value = "0.0278"\nunit = "kg CO2/passenger-km"',
        "behaviours[0].factors[1]",
    ),
    ("duplicate_behaviour_id", 'id = "walk"', 'id = "tube_km"', "behaviours[1].id"),
    ("missing_name_zh", 'name_zh = "行走"\n', "", "behaviours[1].name_zh"),
    (
        "period_without_limit",
        '{ period = "day", max_g = "5000" }',
        '{ period = "day" }',
        "behaviours[0].caps.period",
    ),
    (
        "limit_without_period",
        '{ per_event_max_g = "296" }',
        "{ max_count = 5 }",
        "behaviours[1].caps.period",
    ),
    ("cap_zero", 'max_g = "5000"', 'max_g = "0"', "behaviours[0].caps.max_g"),
    ("cap_not_decimal", 'max_g = "5000"', 'max_g = "29x"', "behaviours[0].caps.max_g"),
    ("cap_sub_milligram", '"296" }', '"296.0001" }', "behaviours[1].caps.per_event_max_g"),
    ("cap_unknown_key", 'max_g = "5000"', 'max_grams = "5000"', "behaviours[0].caps.max_grams"),
    ("cap_bad_period", 'period = "day"', 'period = "week"', "behaviours[0].caps.period"),
    (
        "max_count_zero",
        '{ per_event_max_g = "296" }',
        '{ period = "day", max_count = 0 }',
        "behaviours[1].caps.max_count",
    ),
    (
        "negative_min_amount",
        'formula = "per_unit"',
        'formula = "per_unit"\nmin_amount_minor = -1',
        "behaviours[1].min_amount_minor",
    ),
    (
        "vector_unknown_behaviour",
        'behaviour = "tube_km"',
        'behaviour = "metro_km"',
        "vectors[0].behaviour",
    ),
    ("vector_sub_milligram_total", '"1115.6"', '"1115.6001"', "vectors[0].expected_total_g"),
    (
        "vector_negative_quantity",
        "quantity = 8 }",
        "quantity = -8 }",
        "vectors[0].events[0].quantity",
    ),
    ("vector_nan_quantity", "quantity = 8 }", "quantity = nan }", "vectors[0].events[0].quantity"),
    (
        "vector_repeat_zero",
        "quantity = 8 }",
        "quantity = 8, repeat = 0 }",
        "vectors[0].events[0].repeat",
    ),
    ("vector_no_events", "events = [{ quantity = 8 }]", "events = []", "vectors[0].events"),
    ("vector_event_typo", "quantity = 8 }", "quantity = 8, dya = 1 }", "vectors[0].events[0].dya"),
]


def test_the_base_pack_is_valid() -> None:
    pack = load_pack_text(VALID, "valid.toml")
    assert pack.ref == "acme-test@1.0.0"


@pytest.mark.parametrize(("old", "new", "field"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_malformed_pack_is_refused_with_its_field(old: str, new: str, field: str) -> None:
    assert VALID.count(old) == 1, f"test case must change exactly one place: {old!r}"
    with pytest.raises(PackInvalid) as refusal:
        load_pack_text(VALID.replace(old, new), "broken.toml")
    error = refusal.value
    assert error.code == "pack_invalid"
    assert error.fields["field"] == field
    assert error.fields["origin"] == "broken.toml"
    assert error.detail.startswith(f"broken.toml: {field}: ")


def test_toml_syntax_error_names_its_line() -> None:
    broken = VALID.replace('region = "Testland"', "region Testland")
    with pytest.raises(PackInvalid) as refusal:
        load_pack_text(broken, "broken.toml")
    error = refusal.value
    assert error.fields["field"] == ""
    assert error.fields["line"] == 6
    assert "TOML syntax error" in error.detail
    assert "line 6" in error.detail


def test_refusal_explains_what_is_expected() -> None:
    with pytest.raises(PackInvalid) as refusal:
        load_pack_text(VALID.replace('value = "0.16725"', "value = 0.16725"), "p.toml")
    assert "is a float (0.16725)" in refusal.value.detail
    assert 'quoted string, e.g. "46.7"' in refusal.value.detail


def test_missing_fields_of_one_table_are_reported_together() -> None:
    with pytest.raises(PackInvalid) as refusal:
        load_pack_text(
            VALID.replace('title = "Acme test pack"\nsummary', "summary").replace(
                'region = "Testland"\n', ""
            ),
            "p.toml",
        )
    assert refusal.value.fields["field"] == "title"
    assert "`title`, `region`" in refusal.value.detail


def test_unreadable_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PackInvalid) as refusal:
        load_pack(tmp_path / "missing.toml")
    assert refusal.value.fields["field"] == ""
    assert "cannot read" in refusal.value.detail


def test_non_utf8_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "pack.toml"
    path.write_bytes(VALID.encode("gb18030"))
    with pytest.raises(PackInvalid) as refusal:
        load_pack(path)
    assert "UTF-8" in refusal.value.detail


def test_a_utf8_bom_is_tolerated(tmp_path: Path) -> None:
    path = tmp_path / "pack.toml"
    path.write_bytes(VALID.encode("utf-8-sig"))
    assert load_pack(path).content_hash == load_pack_text(VALID, "x").content_hash


@given(st.decimals(min_value=0, max_value=10**9, places=3, allow_nan=False))
def test_any_whole_milligram_decimal_is_kept_exactly(value: Decimal) -> None:
    pack = load_pack_text(VALID.replace('value = "0.02"', f'value = "{value}"'), "p.toml")
    assert pack.factor("step").value == value
    assert str(pack.factor("step").value) == str(value)


@given(st.text(min_size=1).filter(lambda s: not _is_plain_decimal(s)))
def test_any_non_decimal_value_is_refused_at_its_field(text: str) -> None:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = "".join(c if c.isprintable() else f"\\U{ord(c):08x}" for c in escaped)
    if any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        return  # TOML cannot encode a lone surrogate at all
    with pytest.raises(PackInvalid) as refusal:
        load_pack_text(VALID.replace('value = "0.02"', f'value = "{escaped}"'), "p.toml")
    assert refusal.value.fields["field"] == "factors[2].value"


def _is_plain_decimal(text: str) -> bool:
    head, _, tail = text.partition(".")
    whole = head.isascii() and head.isdigit() and (head == "0" or not head.startswith("0"))
    return whole and ("." not in text or (tail.isascii() and tail.isdigit()))


def test_a_json_document_with_nan_is_refused_at_its_field() -> None:
    document = parse_document(VALID, "valid.toml")
    document["vectors"][0]["events"][0]["quantity"] = float("nan")
    with pytest.raises(PackInvalid) as refusal:
        pack_from_document(document, "upload.json")
    assert refusal.value.fields["field"] == "vectors[0].events[0].quantity"
