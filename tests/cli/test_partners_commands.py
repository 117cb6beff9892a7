"""``saxaul partners``: create, list, approve, suspend and issue keys, as an operator would,
on both stores (``database_url``)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from saxaul.cli import app
from saxaul.store.tables import partner_keys

runner = CliRunner()


@pytest.fixture(autouse=True)
def database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SAXAUL_DATABASE_URL", database_url)
    return database_url


def run(*args: str, code: int = 0) -> Any:
    """Run ``saxaul partners …`` with ``--json``; its parsed output (exit ``code`` asserted)."""
    result = runner.invoke(app, ["partners", *args, "--json"])
    assert result.exit_code == code, result.output
    return json.loads(result.stdout) if code == 0 else result.output


def create(partner_id: str = "green-steppe", kind: str = "ngo") -> Any:
    return run(
        "create", partner_id, "--name", "SEE Foundation", "--name-zh", "阿拉善SEE基金会",
        "--kind", kind, "--email", f"tech@{partner_id}.example",
    )  # fmt: skip


def test_create_prints_the_sandbox_key_once_and_stores_only_its_hash(database: str) -> None:
    created = create()

    assert created["partner"]["status"] == "pending"
    assert created["partner"]["name_zh"] == "阿拉善SEE基金会"
    secret = created["key"]["secret"]
    assert secret.startswith("sxp_test_") and created["key"]["mode"] == "sandbox"
    engine = sa.create_engine(database)
    with engine.connect() as conn:
        stored = conn.execute(sa.select(partner_keys.c.key_hash)).scalar_one()
    engine.dispose()
    assert stored == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in json.dumps(run("list"))


def test_an_operator_organisation_can_be_created_here(database: str) -> None:
    assert create("programme-ops", kind="operator")["partner"]["kind"] == "operator"


def test_list_approve_suspend(database: str) -> None:
    create("a-ngo")
    create("b-biz", kind="business")

    approved = run("approve", "b-biz", "--note", "contract signed")

    assert (approved["status"], approved["decision_note"]) == ("approved", "contract signed")
    assert [p["id"] for p in run("list", "--status", "pending")] == ["a-ngo"]
    assert run("suspend", "b-biz")["status"] == "suspended"
    assert [(p["id"], p["status"]) for p in run("list") if p["id"].endswith(("-ngo", "-biz"))] == [
        ("a-ngo", "pending"),
        ("b-biz", "suspended"),
    ]
    assert "[not_found]" in run("approve", "nobody", code=2)


def test_key_create_issues_live_keys_only_to_approved_partners(database: str) -> None:
    create()
    live = ("key", "create", "green-steppe", "--name", "prod", "--mode", "live")

    refused = run(*live, "--scope", "orders:read", code=2)
    assert "[partner_not_approved]" in refused
    run("approve", "green-steppe")
    key = run(*live, "--scope", "orders:read", "--scope", "evidence:write")

    assert key["secret"].startswith("sxp_live_")
    assert key["scopes"] == ["evidence:write", "orders:read"]
    assert "[unknown_scope]" in run(*live, "--scope", "orders:everything", code=2)


def test_plain_output_shows_the_key_on_stdout_and_the_rest_on_stderr() -> None:
    result = runner.invoke(
        app,
        ["partners", "create", "x-ngo", "--name", "X", "--kind", "ngo", "--email", "a@x.example"],
    )

    assert result.exit_code == 0, result.output
    assert result.stdout.strip().startswith("sxp_test_")
    assert "x-ngo created (ngo, pending)" in result.stderr
