"""A partner's keys, members, subscriptions and scenarios come a page at a time: ``limit``
items after ``after_id``, each page naming where the next starts; on both stores."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from saxaul.domain.paging import DEFAULT_PAGE, MAX_PAGE
from tests.conftest import FakeClock

from ..conftest import BOTH_STORES
from ..helpers import assert_problem
from .isolation import Caller
from .scenario_helpers import propose


def pages(
    client: TestClient, path: str, headers: dict[str, str], items: str, limit: int
) -> list[list[Any]]:
    """The ids on every page of ``path``, following ``next_after_id`` to the end."""
    found: list[list[Any]] = []
    params: dict[str, Any] = {"limit": limit}
    while True:
        answer = client.get(path, headers=headers, params=params)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        found.append([item["id"] for item in body[items]])
        if body["next_after_id"] is None:
            return found
        assert body["next_after_id"] == found[-1][-1]
        params["after_id"] = body["next_after_id"]


@BOTH_STORES
def test_keys_members_and_subscriptions_page_oldest_first(
    client: TestClient, ngo_a: Caller
) -> None:
    headers = ngo_a.headers
    for n in range(4):
        made = client.post(
            "/v1/partner/keys",
            headers=headers,
            json={"name": f"k{n}", "mode": "sandbox", "scopes": ["orders:read"]},
        )
        assert made.status_code == 201, made.text
        added = client.post(
            "/v1/partner/members",
            headers=headers,
            json={"email": f"m{n}@ngo-a.example", "name": f"M{n}", "role": "viewer"},
        )
        assert added.status_code == 201, added.text
        subscribed = client.post(
            "/v1/partner/webhooks",
            headers=headers,
            json={"url": f"https://hooks{n}.ngo-a.example/", "event_types": ["*"]},
        )
        assert subscribed.status_code == 201, subscribed.text

    for path, items in [
        ("/v1/partner/keys", "keys"),
        ("/v1/partner/members", "members"),
        ("/v1/partner/webhooks", "subscriptions"),
    ]:
        everything = client.get(path, headers=headers).json()[items]
        ids = [item["id"] for item in everything]
        assert ids == sorted(ids) and len(ids) >= 4, path
        paged = pages(client, path, headers, items, limit=2)
        assert [i for page in paged for i in page] == ids, path
        assert all(len(page) == 2 for page in paged[:-1]) and len(paged[-1]) <= 2, path


@BOTH_STORES
def test_scenarios_page_newest_first_without_skipping_same_time_ones(
    client: TestClient, biz_a: Caller, clock: FakeClock
) -> None:
    made = []
    for n in range(5):
        made.append(propose(biz_a))
        if n % 2:
            clock.advance(seconds=1)  # pairs created in the same microsecond, then later ones
    everything = client.get("/v1/partner/scenarios", headers=biz_a.headers).json()
    newest_first = [s["id"] for s in everything["scenarios"]]

    paged = pages(client, "/v1/partner/scenarios", biz_a.headers, "scenarios", limit=2)

    assert sorted(newest_first) == sorted(made) and everything["next_after_id"] is None
    assert [i for page in paged for i in page] == newest_first
    assert [len(page) for page in paged] == [2, 2, 1]


@pytest.mark.parametrize(
    "path", ["/v1/partner/keys", "/v1/partner/members", "/v1/partner/webhooks"]
)
@pytest.mark.parametrize("limit", [0, MAX_PAGE + 1])
def test_a_page_size_out_of_bounds_is_refused(
    client: TestClient, ngo_a: Caller, path: str, limit: int
) -> None:
    answer = client.get(path, headers=ngo_a.headers, params={"limit": limit})
    assert_problem(answer, 422, "invalid_request")


def test_a_page_holds_the_default_when_no_limit_is_given(client: TestClient, ngo_a: Caller) -> None:
    for n in range(DEFAULT_PAGE + 1):
        client.post(
            "/v1/partner/webhooks",
            headers=ngo_a.headers,
            json={"url": f"https://hooks{n}.ngo-a.example/", "event_types": ["*"]},
        )
    first = client.get("/v1/partner/webhooks", headers=ngo_a.headers).json()
    assert len(first["subscriptions"]) == DEFAULT_PAGE
    assert first["next_after_id"] == first["subscriptions"][-1]["id"]
