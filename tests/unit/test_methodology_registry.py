"""Which pack a reference names: exact ``id@version``, or the highest version of ``id``."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saxaul.domain.errors import NotFound, PackInvalid
from saxaul.domain.methodology import Pack
from saxaul.methodology import find_pack, registry, shipped_pack_paths, shipped_packs
from saxaul.methodology.registry import semver_key

SHIPPED = shipped_packs()
AF = next(p for p in SHIPPED if p.id == "ant-forest-2017")


def _versions(*versions: str) -> tuple[Pack, ...]:
    return tuple(dataclasses.replace(AF, version=v) for v in versions)


def test_shipped_packs_are_found_by_path_and_ordered() -> None:
    paths = shipped_pack_paths()
    assert [p.parent.parent.name + "@" + p.parent.name for p in paths] == [p.ref for p in SHIPPED]
    assert [p.ref for p in SHIPPED] == [
        "ant-forest-2017@1.0.0",
        "ant-forest-2017@2.0.0",
        "desnz-2025-mode-shift@1.0.0",
        "desnz-2025-mode-shift@1.1.0",
        "shenzhen-public-transit-2021@1.0.0",
        "shenzhen-public-transit-2021@1.1.0",
    ]


def test_find_by_id_and_version() -> None:
    assert find_pack(SHIPPED, "ant-forest-2017@1.0.0") is AF
    assert find_pack(SHIPPED, "shenzhen-public-transit-2021").behaviours[0].id == "metro_km"


def test_bare_id_picks_the_highest_semver_not_the_highest_string() -> None:
    packs = _versions("1.0.0", "1.9.0", "1.10.0", "1.10.0-rc.2")
    assert find_pack(packs, "ant-forest-2017").version == "1.10.0"
    assert find_pack(packs, "ant-forest-2017@1.9.0").version == "1.9.0"


def test_unknown_id_lists_what_exists() -> None:
    with pytest.raises(NotFound) as refusal:
        find_pack(SHIPPED, "ant-forrest-2017")
    error = refusal.value
    assert error.code == "not_found"
    assert error.fields["ref"] == "ant-forrest-2017"
    assert "no methodology pack 'ant-forrest-2017'" in error.detail
    for pack in SHIPPED:
        assert pack.ref in error.detail


def test_unknown_version_lists_the_versions_in_order() -> None:
    with pytest.raises(NotFound) as refusal:
        find_pack(_versions("1.10.0", "1.2.0"), "ant-forest-2017@2.0.0")
    assert refusal.value.detail == (
        "methodology pack 'ant-forest-2017' has no version '2.0.0'; versions: 1.2.0, 1.10.0"
    )


def test_nothing_loaded_says_so() -> None:
    with pytest.raises(NotFound, match="no packs are loaded"):
        find_pack((), "ant-forest-2017")


def test_semver_precedence_follows_the_spec_example() -> None:
    # semver.org §11.4, in ascending order
    ordered = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "1.0.1",
        "1.1.0",
        "2.0.0",
    ]
    assert sorted(reversed(ordered), key=semver_key) == ordered


@given(st.lists(st.tuples(*[st.integers(0, 10_000)] * 3), min_size=1, unique=True))
def test_release_versions_order_numerically(triples: list[tuple[int, int, int]]) -> None:
    versions = [".".join(map(str, t)) for t in triples]
    assert sorted(versions, key=semver_key) == [".".join(map(str, t)) for t in sorted(triples)]


def test_a_copied_directory_must_repeat_id_and_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = next(p for p in shipped_pack_paths() if p.parent.parent.name == "ant-forest-2017")
    copy = tmp_path / "ant-forest-2017" / "1.0.1" / "pack.toml"
    copy.parent.mkdir(parents=True)
    shutil.copy(source, copy)  # copied for a correction, but `version` was not bumped
    monkeypatch.setattr(registry, "shipped_pack_paths", lambda: (copy,))
    with pytest.raises(PackInvalid) as refusal:
        shipped_packs()
    assert refusal.value.fields["field"] == "version"
    assert "'1.0.0' but the file sits in directory '1.0.1'" in refusal.value.detail
