"""The demo, run small: every step prints, real trees included (slow: a planting season)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from saxaul.cli import app
from saxaul.services.certificate_seal import verify

runner = CliRunner()


@pytest.mark.slow
def test_demo_shows_the_season_and_real_trees(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    result = runner.invoke(app, ["demo", "--no-serve", "--users", "600", "--events", "6000"])
    assert result.exit_code == 0, result.output
    out = result.output
    for heading in ("a planting season", "种树季", "real trees · 真树"):
        assert heading in out
    for line in (
        "trees planted (caragana",
        "orders of see-foundation · 订单: accepted 1, declined 1",
        "survival check · 成活抽查",
        "lost trees: replanted season-",
        "Promised trees",
        "estimated sink:",
        "genuine, key",
        "green scenario · 绿色场景 scenario-acme-coffee@1.0.0",
        "delivered to see-foundation's receiver",
        "order.created",
        "tree.lost 2",
    ):
        assert line in out, line
    (certificate,) = (tmp_path / "var/demo").glob("certificate-*.json")
    assert certificate.with_suffix(".pdf").exists() and certificate.with_suffix(".html").exists()
    verified = verify(certificate.read_bytes())
    assert verified.key_id in out
    assert certificate.stem == f"certificate-{verified.certificate['tree']['id']}"
