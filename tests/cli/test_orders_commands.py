"""``saxaul orders create`` and ``saxaul trees pipeline``: batching and counting from a shell."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from saxaul.bootstrap import bootstrap
from saxaul.cli import app
from saxaul.config import Settings
from saxaul.domain.partners import PartnerKind
from saxaul.services import partners
from tests.api.partner.orders_world import add_project, add_trees

runner = CliRunner()


def test_orders_create_then_pipeline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAXAUL_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    rt = bootstrap(Settings())
    partners.signup(
        rt,
        partners.Application("see", "SEE", None, PartnerKind.NGO, "a@see.example", "Owner"),
    )
    add_trees(rt, add_project(rt, "see"), 3)
    add_trees(rt, None, 1, prefix="w")

    made = runner.invoke(app, ["orders", "create", "--json"])
    again = runner.invoke(app, ["orders", "create"])
    pipeline = runner.invoke(app, ["trees", "pipeline", "--json"])
    table = runner.invoke(app, ["trees", "pipeline"])

    assert made.exit_code == 0, made.output
    assert json.loads(made.output) == {"orders": 1, "trees": 3}
    assert "made 0 planting orders" in again.output
    counts = json.loads(pipeline.output)["total"]
    assert (counts["owed"], counts["waiting"], counts["total"]) == (3, 1, 4)
    assert table.exit_code == 0, table.output
    assert "Promised trees" in table.output and "estimated sink: 0.0 kg CO2" in table.output
    rt.db.dispose()
