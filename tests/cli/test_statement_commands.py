"""``saxaul statement export|verify|import``: instance A's statement, checked offline, kept by B.

A and B are two instances: each its own SQLite database and signing key. u1 plants a saxaul on
A (``certificate_world``); B enrols u1 and keeps A's statement as history, crediting nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from saxaul.bootstrap import bootstrap
from saxaul.cli import app
from saxaul.config import Settings
from saxaul.domain.canonical_json import parse_strict
from saxaul.services import ledger_audit, statement_imports
from saxaul.services.certificate_seal import public_key_pem
from saxaul.services.instance_keys import InstanceKeys
from saxaul.services.statement_seal import seal
from saxaul.store import ledger_repo
from tests.certificate_world import planted
from tests.conftest import FakeClock
from tests.game_world import enrol

runner = CliRunner()
NOWHERE = "postgresql+psycopg://nobody@127.0.0.1:9/nothing"
"""A database no command can open: verify must not try."""


def _use(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str) -> Settings:
    monkeypatch.setenv("SAXAUL_DATABASE_URL", f"sqlite:///{tmp_path / f'{name}.db'}")
    monkeypatch.setenv("SAXAUL_SIGNING_KEY_FILE", str(tmp_path / f"{name}-key.pem"))
    return Settings()


@pytest.fixture
def exported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FakeClock) -> Path:
    rt = bootstrap(_use(monkeypatch, tmp_path, "a"), clock=clock)
    planted(rt, clock, tmp_path)
    rt.db.dispose()
    out = tmp_path / "u1.json"
    done = runner.invoke(app, ["statement", "export", "u1", "--out", str(out)])
    assert done.exit_code == 0, done.output
    monkeypatch.setenv("SAXAUL_DATABASE_URL", NOWHERE)
    return out


def test_verify_says_genuine_offline_with_the_issuer_key(exported: Path, tmp_path: Path) -> None:
    pem = tmp_path / "a-public.pem"
    pem.write_text(public_key_pem(InstanceKeys(tmp_path / "a-key.pem").public_key))

    done = runner.invoke(app, ["statement", "verify", str(exported), "--key", str(pem)])

    assert done.exit_code == 0, done.output
    assert "genuine" in done.output and "u1" in done.output
    assert "1 certificates verified" in done.output and "not pinned" not in done.output


def test_verify_refuses_a_changed_byte_or_an_unknown_key(exported: Path, tmp_path: Path) -> None:
    changed = tmp_path / "changed.json"
    changed.write_bytes(exported.read_bytes().replace(b'"cost_g":17900', b'"cost_g":17901', 1))
    stranger = public_key_pem(InstanceKeys().public_key)

    tampered = runner.invoke(app, ["statement", "verify", str(changed)])
    unknown = runner.invoke(app, ["statement", "verify", str(exported), "--key", stranger])

    assert tampered.exit_code == 1 and "signature does not match" in tampered.output
    assert unknown.exit_code == 1 and "signed by another key" in unknown.output


def test_verify_refuses_a_statement_whose_certificate_was_changed_before_signing(
    exported: Path, tmp_path: Path
) -> None:
    keys = InstanceKeys(tmp_path / "a-key.pem")
    doc = parse_strict(exported.read_bytes())["statement"]
    doc["trees"][0]["certificate"]["certificate"]["tree"]["cost_g"] += 1
    resealed = tmp_path / "resealed.json"
    resealed.write_bytes(seal(doc, keys.sign, keys.public_key))

    done = runner.invoke(app, ["statement", "verify", str(resealed)])

    assert done.exit_code == 1, done.output
    assert "certificate of tree" in done.output and "does not verify" in done.output


def test_import_into_another_instance_keeps_history_and_credits_nothing(
    exported: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FakeClock
) -> None:
    pem = tmp_path / "a-public.pem"
    pem.write_text(public_key_pem(InstanceKeys(tmp_path / "a-key.pem").public_key))
    (tmp_path / "b").mkdir()
    rt = bootstrap(_use(monkeypatch, tmp_path, "b"), clock=clock)
    enrol(rt, ["u1"], tmp_path / "b")
    audit = ledger_audit.audit(rt)

    first = runner.invoke(app, ["statement", "import", str(exported), "--key", str(pem)])
    again = runner.invoke(app, ["statement", "import", str(exported), "--as", "u1"])
    refused = runner.invoke(
        app,
        ["statement", "import", str(exported), "--key", public_key_pem(InstanceKeys().public_key)],
    )

    assert first.exit_code == 0 and "imported statement 1 for u1" in first.output, first.output
    assert again.exit_code == 0 and "already imported statement 1" in again.output
    assert refused.exit_code == 2 and "signed by another key" in refused.output
    (kept,) = statement_imports.imported(rt, "u1", 10)
    assert kept.file == exported.read_bytes()
    assert kept.issuer_key_id == InstanceKeys(tmp_path / "a-key.pem").key_id != rt.keys.key_id
    with rt.db.reading() as conn:
        assert ledger_repo.balance_of(conn, "user:u1") == 0
    assert ledger_audit.audit(rt) == audit
    rt.db.dispose()
