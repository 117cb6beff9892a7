"""The retry schedule: backoff with jitter up to a cap, and the end of a delivery's budget."""

from __future__ import annotations

import dataclasses

from saxaul.domain.webhooks import DEFAULT_POLICY, matches, parse_event_types

S = 1_000_000
POLICY = dataclasses.replace(DEFAULT_POLICY, retry_s=(10, 30, 120), max_attempts=6)


def test_waits_follow_the_schedule_and_the_last_repeats() -> None:
    waits = [
        POLICY.next_attempt(attempts=n, queued_at_us=0, now_us=0, rand=0.0) for n in range(1, 6)
    ]
    assert waits == [10 * S, 30 * S, 120 * S, 120 * S, 120 * S]


def test_jitter_stretches_a_wait_by_at_most_its_fraction() -> None:
    stretched = POLICY.next_attempt(attempts=1, queued_at_us=0, now_us=0, rand=0.999)
    assert stretched is not None and 10 * S < stretched <= 10 * S * (1 + POLICY.jitter)


def test_a_delivery_fails_after_its_attempts_or_its_age() -> None:
    assert POLICY.next_attempt(attempts=6, queued_at_us=0, now_us=0, rand=0.0) is None
    late = POLICY.max_age_s * S - 5 * S
    assert POLICY.next_attempt(attempts=1, queued_at_us=0, now_us=late, rand=0.0) is None


def test_event_types() -> None:
    assert parse_event_types(["order.created", "*"]) == ("*",)
    assert matches(("*",), "tree.lost") and not matches(("*",), "webhook.test")
    assert not matches(("order.created",), "order.accepted")
