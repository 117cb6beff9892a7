"""``GET /v1/methodology/packs[/{ref}]``: refusals first, then the catalogue and one pack."""

from __future__ import annotations

from fastapi.testclient import TestClient

from .helpers import assert_problem


def test_anonymous_is_refused(client: TestClient) -> None:
    assert_problem(client.get("/v1/methodology/packs"), 401, "unauthorised")
    assert_problem(client.get("/v1/methodology/packs/ant-forest-2017"), 401, "unauthorised")


def test_a_bad_key_is_refused(client: TestClient) -> None:
    response = client.get("/v1/methodology/packs", headers={"Authorization": "Bearer sxk_x"})
    assert_problem(response, 401, "unauthorised")


def test_a_malformed_ref_is_422(client: TestClient, auth: dict[str, str]) -> None:
    for ref in ("pack.toml%20x", "Ant Forest", "-leading-dash", "a" * 200):
        response = client.get(f"/v1/methodology/packs/{ref}", headers=auth)
        body = assert_problem(response, 422, "invalid_request")
        assert body["field"] == "ref"


def test_an_unknown_pack_is_404(client: TestClient, auth: dict[str, str]) -> None:
    for ref in ("no-such-pack", "ant-forest-2017@9.9.9"):
        response = client.get(f"/v1/methodology/packs/{ref}", headers=auth)
        body = assert_problem(response, 404, "not_found")
        assert body["ref"] == ref


def test_a_path_is_never_read_as_a_pack(client: TestClient, auth: dict[str, str]) -> None:
    # The CLI resolves refs ending in .toml as files; the API must not reach the filesystem.
    response = client.get("/v1/methodology/packs/pyproject.toml", headers=auth)
    assert_problem(response, 404, "not_found")


def test_the_catalogue_marks_active_packs(client: TestClient, auth: dict[str, str]) -> None:
    packs = client.get("/v1/methodology/packs", headers=auth).json()

    refs = {p["ref"]: p for p in packs}
    assert "ant-forest-2017@1.0.0" in refs
    # by default every shipped pack is active at its latest version; older ones stay listed
    assert {ref for ref, p in refs.items() if p["active"]} == {
        "ant-forest-2017@2.0.0",
        "desnz-2025-mode-shift@1.1.0",
        "shenzhen-public-transit-2021@1.1.0",
    }
    assert all(p["content_hash"].startswith("sha256:") for p in packs)


def test_one_pack_whole_by_id_or_id_at_version(client: TestClient, auth: dict[str, str]) -> None:
    latest = client.get("/v1/methodology/packs/ant-forest-2017", headers=auth).json()
    pinned = client.get("/v1/methodology/packs/ant-forest-2017@2.0.0", headers=auth).json()

    assert latest == pinned
    assert (pinned["id"], pinned["version"], pinned["active"]) == ("ant-forest-2017", "2.0.0", True)
    assert pinned["format"] == "saxaul-methodology/1"
    behaviours = {b["id"] for b in pinned["behaviours"]}
    assert "metro_ride" in behaviours
    assert pinned["factors"] and pinned["sources"] and pinned["vectors"]
