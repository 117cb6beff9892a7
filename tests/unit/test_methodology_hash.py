"""The content hash names a pack's values: layout edits keep it, any value edit changes it.

The edits are made to the shipped Shenzhen pack file, outside its multi-line strings (a
comment written inside a string is part of the string's value).
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saxaul.methodology import content_hash, load_pack_text, shipped_pack_paths

PACK_PATH = next(p for p in shipped_pack_paths() if "shenzhen" in str(p))
TEXT = PACK_PATH.read_text("utf-8")
BASE_HASH = load_pack_text(TEXT, "base.toml").content_hash

EBUS_YEAR = (  # the e-bus factor's year line, made unique by the note that follows it
    'year = 2021\nsource = "sz_method_2021"\nstatus = "S"\n'
    'note = "Net reduction factor (mean-method baseline minus battery'
)
# TOML forbids control characters (other than tab) in comments.
comment_text = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=30)


def _outside_strings(text: str) -> list[tuple[str, bool]]:
    """Each line, with whether it may be edited (it is not inside a multi-line string)."""
    inside, lines = False, []
    for line in text.splitlines():
        starts_inside = inside
        inside ^= line.count('"""') % 2 == 1
        lines.append((line, not starts_inside))
    return lines


def test_hash_is_sha256_of_the_canonical_json() -> None:
    parsed = tomllib.loads(TEXT)
    parsed["effective_from"] = parsed["effective_from"].isoformat()
    canonical = json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest() == BASE_HASH
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", BASE_HASH)


def test_content_hash_sorts_keys_and_keeps_non_ascii() -> None:
    expected = hashlib.sha256('{"a":"2016-08-27","b":"梭梭"}'.encode()).hexdigest()
    assert content_hash({"b": "梭梭", "a": "2016-08-27"}) == "sha256:" + expected


@pytest.mark.slow
@given(st.data())
def test_comments_blank_lines_and_indentation_do_not_change_the_hash(data: st.DataObject) -> None:
    lines = []
    for line, editable in _outside_strings(TEXT):
        if not editable:
            lines.append(line)
            continue
        if data.draw(st.booleans(), label="comment line before"):
            lines.append("# " + data.draw(comment_text))
        if data.draw(st.booleans(), label="blank line before"):
            lines.append("")
        indent = " " * data.draw(st.integers(0, 4), label="indent")
        opens_string = line.count('"""') % 2 == 1
        trailing = "" if opens_string else data.draw(st.sampled_from(["", "  # note", "\t#"]))
        lines.append(indent + line + trailing if line else line)
    edited = "\n".join(lines) + "\n"
    assert load_pack_text(edited, "edited.toml").content_hash == BASE_HASH


def test_key_order_quoting_and_table_style_do_not_change_the_hash() -> None:
    edited = (
        TEXT.replace('region = "Shenzhen, China"\n', "")
        .replace(
            'timezone = "Asia/Shanghai"', "timezone = 'Asia/Shanghai'\nregion = 'Shenzhen, China'"
        )
        .replace(
            'caps = { per_event_max_g = "4670" }',
            '[behaviours.caps]\nper_event_max_g = "4670"',
        )
    )
    assert edited != TEXT
    assert load_pack_text(edited, "edited.toml").content_hash == BASE_HASH


@given(
    st.sampled_from(
        [
            ('value = "46.7"', 'value = "46.70"'),  # same number, new text: still a new version
            ('value = "26.9"', 'value = "26.8"'),
            ('per_event_max_g = "4670"', 'per_event_max_g = "4671"'),
            (EBUS_YEAR, EBUS_YEAR.replace("2021", "2022", 1)),
            ("events = [{ quantity = 10 }]", "events = [{ quantity = 10.0 }]"),
            ("events = [{ quantity = 10 }]", "events = [{ quantity = 10, repeat = 1 }]"),
            ("effective_from = 2021-12-16", "effective_from = 2021-12-17"),
            ('note = "10 km x 46.7 g."', 'note = "10 km × 46.7 g."'),
        ]
    )
)
def test_any_value_change_changes_the_hash(edit: tuple[str, str]) -> None:
    old, new = edit
    assert TEXT.count(old) == 1
    assert load_pack_text(TEXT.replace(old, new), "changed.toml").content_hash != BASE_HASH


@given(st.text(min_size=1, alphabet=st.characters(blacklist_categories=("Cc", "Cs"))))
def test_any_title_change_changes_the_hash(title: str) -> None:
    old = 'title = "Shenzhen low-carbon public transport (深圳市低碳公共出行碳普惠方法学（试行）)"'
    assert TEXT.count(old) == 1
    escaped = title.replace("\\", "\\\\").replace('"', '\\"')
    changed = load_pack_text(TEXT.replace(old, f'title = "{escaped}"'), "changed.toml")
    assert (changed.content_hash == BASE_HASH) == (changed.title == old[9:-1])
