"""Isolation cases for the projects routes: partner B never sees or changes partner A's project."""

from __future__ import annotations

from typing import Any

from saxaul.domain.partners import PartnerKind

from .isolation import Arranged, Caller, IsolationCase

PATH = "/v1/partner/projects"


def project_body(**overrides: Any) -> dict[str, Any]:
    """A valid tree project: saxaul (its price left to the species), a polygon site."""
    body: dict[str, Any] = {
        "outcome": "trees",
        "species_id": "saxaul",
        "title_en": "Alxa saxaul belt",
        "title_zh": "阿拉善梭梭林带",
        "site": {
            "name": "Alxa belt plot 7",
            "region_zh": "内蒙古阿拉善盟",
            "region_en": "Alxa League, Inner Mongolia",
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[105.1, 38.8], [105.2, 38.8], [105.2, 38.9], [105.1, 38.8]]],
            },
        },
        "capacity": 5000,
        "starts_on": "2027-03-01",
        "ends_on": "2027-11-30",
        "evidence_required": ["planting_date", "planting_gps", "planting_photos"],
        "status": "open",
    }
    return body | overrides


def _a_project(a: Caller) -> Arranged:
    response = a.client.post(
        PATH, json=project_body(title_en="Secret belt of A"), headers=a.headers
    )
    assert response.status_code == 201, response.text
    project_id = response.json()["id"]
    # the id is not a secret: B sends it, and a 404 names what was asked for
    return Arranged(params={"project_id": project_id}, secrets=("Secret belt of A",))


CASES = [
    IsolationCase("GET", PATH, PartnerKind.NGO, _a_project, foreign_path=False),
    IsolationCase(
        "POST", PATH, PartnerKind.NGO, _a_project, body=lambda _: project_body(), foreign_path=False
    ),
    IsolationCase("GET", PATH + "/{project_id}", PartnerKind.NGO, _a_project),
    IsolationCase(
        "PATCH", PATH + "/{project_id}", PartnerKind.NGO, _a_project, body=lambda _: {"capacity": 1}
    ),
]
