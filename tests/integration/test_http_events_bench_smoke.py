"""The HTTP events bench posts real bodies with a real key to the served app, on both stores,
and its three ways agree."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from bench.http_events import run


@pytest.mark.slow
@pytest.mark.parametrize(
    "store", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_http_events_bench_agrees_with_the_service_and_the_file(
    store: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = None if store == "sqlite" else str(request.getfixturevalue("postgres_base"))
    args = argparse.Namespace(
        events=3_000, users=300, body_rows=700, clients=2, workers=1, database_url=url
    )

    result = run(args, tmp_path)

    assert result["store"] == store and result["totals_agree"] is True
    assert result["events"] > 2_000
    for way in ("file", "service", "http"):
        assert result[f"{way}_events_per_s"] > 0
    assert result["http_vs_service"] == pytest.approx(
        result["http_events_per_s"] / result["service_events_per_s"], rel=0.01
    )
