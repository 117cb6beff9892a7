"""``saxaul certificate export|verify``: a signed file out, checked offline with exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from saxaul.bootstrap import bootstrap
from saxaul.cli import app
from saxaul.config import Settings
from saxaul.services.certificate_seal import b64url, public_key_pem
from saxaul.services.instance_keys import InstanceKeys
from tests.certificate_world import planted
from tests.conftest import FakeClock

runner = CliRunner()
NOWHERE = "postgresql+psycopg://nobody@127.0.0.1:9/nothing"
"""A database no command can open: verify must not try."""


@pytest.fixture
def exported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FakeClock) -> Path:
    monkeypatch.setenv("SAXAUL_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("SAXAUL_SIGNING_KEY_FILE", str(tmp_path / "key.pem"))
    rt = bootstrap(Settings(), clock=clock)
    tree_id = planted(rt, clock, tmp_path)
    rt.db.dispose()
    out = tmp_path / "cert.json"
    done = runner.invoke(app, ["certificate", "export", tree_id, "--out", str(out)])
    assert done.exit_code == 0, done.output
    monkeypatch.setenv("SAXAUL_DATABASE_URL", NOWHERE)
    return out


def test_verify_says_genuine_with_the_tree_key_and_events(exported: Path) -> None:
    done = runner.invoke(app, ["certificate", "verify", str(exported)])

    assert done.exit_code == 0, done.output
    assert "genuine" in done.output and "Saxaul" in done.output
    assert "transit/u1-2026-11-04-0" in done.output and "transit/u1-2026-11-04-bus" in done.output


def test_verify_pins_a_public_key_given_as_pem_file_or_base64(
    exported: Path, tmp_path: Path
) -> None:
    key = InstanceKeys(tmp_path / "key.pem").public_key
    pem = tmp_path / "public.pem"
    pem.write_text(public_key_pem(key))
    other = b64url(InstanceKeys().public_key)

    by_file = runner.invoke(app, ["certificate", "verify", str(exported), "--public-key", str(pem)])
    by_text = runner.invoke(
        app, ["certificate", "verify", str(exported), "--public-key", b64url(key)]
    )
    wrong = runner.invoke(app, ["certificate", "verify", str(exported), "--public-key", other])

    assert by_file.exit_code == by_text.exit_code == 0, by_file.output
    assert wrong.exit_code == 1 and "signed by another key" in wrong.output


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (lambda d: d.replace(b'"cost_g":17900', b'"cost_g":17000'), "signature does not match"),
        (lambda d: d.replace(b",", b", ", 1), "not canonical"),
    ],
)
def test_verify_exits_1_with_the_reason(exported: Path, edit, reason: str) -> None:  # type: ignore[no-untyped-def]
    exported.write_bytes(edit(exported.read_bytes()))

    done = runner.invoke(app, ["certificate", "verify", str(exported)])

    assert done.exit_code == 1 and reason in done.output


def test_export_writes_a_page_and_a_pdf(exported: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAXAUL_DATABASE_URL", f"sqlite:///{exported.parent / 'cli.db'}")
    tree_id = exported.read_bytes().split(b'"number":"SX-')[1].split(b'"')[0].decode()
    page, pdf = exported.parent / "c.html", exported.parent / "c.pdf"

    for fmt, out in (("html", page), ("pdf", pdf)):
        done = runner.invoke(
            app, ["certificate", "export", tree_id, "--out", str(out), "--format", fmt]
        )
        assert done.exit_code == 0, done.output

    assert "梭梭" in page.read_text() and pdf.read_bytes().startswith(b"%PDF")
