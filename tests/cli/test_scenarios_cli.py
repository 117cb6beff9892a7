"""``saxaul scenarios list|approve|reject`` on a real database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from saxaul.bootstrap import bootstrap
from saxaul.cli import app
from saxaul.config import Settings
from saxaul.domain.partners import Mode, PartnerKind, PartnerPrincipal, PartnerStatus, Scope
from saxaul.services import partners, scenario_sandbox, scenarios

from ..api.partner.scenario_helpers import fragment, refill

runner = CliRunner()


@pytest.fixture
def submitted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Two submitted scenarios of one business, made through the services."""
    monkeypatch.setenv("SAXAUL_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    rt = bootstrap(Settings())
    partners.signup(
        rt,
        partners.Application("acme", "Acme", None, PartnerKind.BUSINESS, "o@acme.example", "O"),
    )
    principal = PartnerPrincipal(
        1,
        "acme",
        Mode.SANDBOX,
        frozenset(Scope),
        PartnerKind.BUSINESS,
        PartnerStatus.APPROVED,
    )
    ids = []
    for behaviour in ("cup_refill", "bag_refusal"):
        draft = scenarios.propose(rt, principal, behaviour, fragment(behaviour, behaviour))
        body = json.dumps([refill("h1", "u", behaviour=behaviour)]).encode()
        scenario_sandbox.run_sandbox(rt, principal, draft.id, body, "application/json", max_rows=9)
        ids.append(scenarios.submit(rt, principal, draft.id).id)
    rt.db.dispose()
    return ids


def test_list_approve_and_reject(submitted: list[str]) -> None:
    listed = runner.invoke(app, ["scenarios", "list", "--status", "submitted", "--json"])
    assert listed.exit_code == 0, listed.output
    assert {s["id"] for s in json.loads(listed.stdout)} == set(submitted)
    first, second = submitted
    approved = runner.invoke(app, ["scenarios", "approve", first, "--budget-g", "5000", "--json"])
    assert approved.exit_code == 0, approved.output
    decided = json.loads(approved.stdout)
    assert (decided["status"], decided["pack_version"], decided["budget_g"]) == (
        "approved",
        "1.0.0",
        5000,
    )
    rejected = runner.invoke(app, ["scenarios", "reject", second, "--note", "cite a study"])
    assert rejected.exit_code == 0 and "rejected" in rejected.output
    again = runner.invoke(app, ["scenarios", "approve", second, "--budget-g", "1"])
    assert again.exit_code == 2 and "scenario_state" in again.output
