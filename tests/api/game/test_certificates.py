"""Tree certificates over HTTP: the signed file, its page and PDF, and the public key.

The world is ``world.py``'s; u1 gets rich on bus rides and plants a saxaul alone.
"""

from __future__ import annotations

import base64
import re
import zlib

import pytest

from saxaul.services.certificate_seal import parse_public_key, verify
from saxaul.services.runtime import Runtime
from tests.api.conftest import BOTH_STORES
from tests.api.game.world import World, rich
from tests.api.helpers import assert_problem

pytestmark = BOTH_STORES


@pytest.fixture
def tree_id(world: World, rt: Runtime) -> str:
    rich(world, rt, "u1", 250)
    planted = world.post("u1", "/v1/me/trees", key="plant-1", json={"species_id": "saxaul"})
    assert planted.status_code == 200, planted.text
    tree_id: str = planted.json()["tree"]["id"]
    return tree_id


def test_a_planter_gets_a_signed_file_that_verifies_against_the_public_key(
    world: World, tree_id: str
) -> None:
    key = world.client.get("/v1/certificates/public-key")  # no credentials
    got = world.get("u1", f"/v1/me/trees/{tree_id}/certificate")

    assert key.status_code == 200 and got.status_code == 200, got.text
    assert got.headers["content-type"].startswith("application/json")
    published = key.json()
    assert parse_public_key(published["pem"]) == parse_public_key(published["public_key"])
    verified = verify(got.content, pinned=parse_public_key(published["public_key"]))
    assert verified.key_id == published["key_id"]
    (share,) = verified.certificate["funding"]
    behaviours = {verified.certificate["awards"][p["award"]]["behaviour"] for p in share["energy"]}
    assert behaviours == {"metro_ride", "bus_ride"}
    tree = world.get("u1", f"/v1/trees/{tree_id}").json()
    assert tree["certificate"]["url"] == f"/v1/me/trees/{tree_id}/certificate"
    assert tree["certificate"]["key_id"] == published["key_id"]


def test_nobody_gets_the_certificate_of_a_tree_they_do_not_plant(
    world: World, tree_id: str
) -> None:
    for user in ("u2", "u4"):
        assert_problem(world.get(user, f"/v1/me/trees/{tree_id}/certificate"), 404, "not_found")
    assert_problem(world.get("u1", "/v1/me/trees/nope/certificate"), 404, "not_found")


def test_a_tree_still_funding_has_no_certificate_yet(world: World) -> None:
    co = world.post(
        "u1", "/v1/me/co-plantings", key="co", json={"species_id": "caragana", "friends": ["u2"]}
    )
    assert co.status_code == 200, co.text

    got = world.get("u1", f"/v1/me/trees/{co.json()['tree']['id']}/certificate")

    body = assert_problem(got, 409, "not_promised")
    assert body["detail_zh"]


def test_the_page_shows_both_languages_and_fetches_nothing(world: World, tree_id: str) -> None:
    page = world.get("u1", f"/v1/me/trees/{tree_id}/certificate", params={"format": "html"})

    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    text = page.text
    assert "梭梭" in text and "Saxaul" in text and "树种 · Species" in text
    assert "transit/u1-2026-11-04-bus" in text and "ant-forest-2017@" in text
    assert not re.search(r"https?://", text)
    english = world.get(
        "u1", f"/v1/me/trees/{tree_id}/certificate", params={"format": "html", "lang": "en"}
    )
    assert "Species · 树种" in english.text and '<html lang="en">' in english.text


def test_the_pdf_holds_chinese_and_english_text(world: World, tree_id: str) -> None:
    got = world.get("u1", f"/v1/me/trees/{tree_id}/certificate", params={"format": "pdf"})

    assert got.status_code == 200 and got.headers["content-type"] == "application/pdf"
    assert got.content.startswith(b"%PDF")
    assert b"/BaseFont /STSong-Light" in got.content and b"/BaseFont /Helvetica" in got.content
    shown = _shown_strings(got.content)
    assert b"Tree certificate" in shown and "Saxaul" in shown.decode("latin-1")
    assert "植树证书".encode("utf-16-be") in shown  # UCS-2 code units of the CID font
    assert "梭梭".encode("utf-16-be") in shown


def _shown_strings(pdf: bytes) -> bytes:
    """Every string the PDF's pages show (``(…) Tj``), unescaped and joined."""
    shown = []
    for raw in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        data = raw.strip()
        if data.endswith(b"~>"):  # reportlab's /ASCII85Decode /FlateDecode
            data = zlib.decompress(base64.a85decode(data[:-2]))
        for literal in re.findall(rb"\(((?:[^()\\]|\\.)*)\)\s*Tj", data, re.S):
            shown.append(
                re.sub(
                    rb"\\([0-7]{1,3}|.)",
                    lambda m: bytes([int(m[1], 8)]) if m[1].isdigit() else m[1],
                    literal,
                )
            )
    return b"".join(shown)


def test_bad_format_and_language_are_refused(world: World, tree_id: str) -> None:
    for params in ({"format": "docx"}, {"lang": "fr"}):
        got = world.get("u1", f"/v1/me/trees/{tree_id}/certificate", params=params)
        assert_problem(got, 422, "invalid_request")
