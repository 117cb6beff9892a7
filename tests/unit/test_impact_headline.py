"""The impact report's headline is read off the document, suppression included."""

from __future__ import annotations

from typing import Any

from saxaul.services.impact_headline import Headline, headline


def _report(*, avoided: list[float | None], trees: int | None) -> dict[str, Any]:
    def table(*rows: dict[str, Any]) -> dict[str, Any]:
        return {"rows": list(rows)}

    return {
        "tables": {
            "participants_by_gender": table(
                {"female": 10, "total": 20}, {"female": 47, "male": 52, "total": 100}
            ),
            "participants_by_age": table({"under 28": 60, "50 and over": 2, "total": 100}),
            "participants_by_province": table(
                {"province": "unknown", "participants": 30},
                {"province": "Jiangsu", "participants": None},
                {"province": "Guangdong", "participants": 12},
                {"province": "other", "participants": 58},
                {"province": "total", "participants": 100},
            ),
            "avoided_emissions": table(*({"avoided_t": t} for t in avoided)),
            "trees_and_sink": table({"trees_planted": 0}, {"trees_planted": trees}),
        }
    }


def test_the_headline_is_the_period_end_figures() -> None:
    assert headline(_report(avoided=[0.1, 0.2, 0.0004], trees=12)) == Headline(
        participants=100,
        women_pct=47.0,
        under_28_pct=60.0,
        over_50_pct=2.0,
        top_province="Guangdong",  # the largest named province the report publishes
        top_province_pct=12.0,
        avoided_t=0.3,
        trees=12,
    )


def test_a_suppressed_cell_stays_hidden_in_the_headline() -> None:
    head = headline(_report(avoided=[0.1, None], trees=None))

    assert (head.avoided_t, head.trees) == (None, None)
