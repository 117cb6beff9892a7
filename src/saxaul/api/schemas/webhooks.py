"""Shapes of ``/v1/partner/webhooks``: subscriptions, their secret (once), and the delivery log."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from saxaul.domain.clock import from_us
from saxaul.domain.webhooks import ALL, EVENT_TYPES, MAX_URL
from saxaul.services.webhooks import Delivery, Subscription

EVENT_TYPE_TEXT = f"One of {', '.join(f'`{t}`' for t in EVENT_TYPES)}, or `{ALL}` for all."


class SubscriptionIn(BaseModel):
    """Where to send which events."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        min_length=1,
        max_length=MAX_URL,
        description="An `https://` URL; with a sandbox key also `http://localhost…` or "
        "`http://127.0.0.1…`, for a receiver on your own machine.",
        examples=["https://hooks.see-foundation.example/saxaul"],
    )
    event_types: list[Annotated[str, Field(max_length=max(map(len, EVENT_TYPES)))]] = Field(
        min_length=1,
        max_length=len(EVENT_TYPES) + 1,
        description=EVENT_TYPE_TEXT,
        examples=[["order.created", "evidence.accepted"]],
    )


class SubscriptionOut(BaseModel):
    """A subscription (never its secret)."""

    id: int
    url: str
    event_types: list[str]
    mode: Literal["sandbox", "live"] = Field(description="The mode of the key that created it.")
    status: Literal["active", "disabled"]
    secret_version: int = Field(description="Raised by each `rotate-secret`.")
    created_at: dt.datetime
    disabled_at: dt.datetime | None
    failing_since: dt.datetime | None = Field(
        description="When a delivery last finally failed (all retries spent); cleared by the "
        "next delivery that succeeds."
    )

    @classmethod
    def of(cls, stored: Subscription) -> SubscriptionOut:
        """The answer for a stored subscription."""
        return cls(
            id=stored.id,
            url=stored.url,
            event_types=list(stored.event_types),
            mode=stored.mode,
            status="active" if stored.disabled_at_us is None else "disabled",
            secret_version=stored.secret_version,
            created_at=from_us(stored.created_at_us),
            disabled_at=_at(stored.disabled_at_us),
            failing_since=_at(stored.failed_at_us),
        )


class SubscriptionSecretOut(SubscriptionOut):
    """A subscription with its signing secret, shown in this answer only."""

    secret: str = Field(
        description="`whsec_…`: the HMAC-SHA256 key of `Saxaul-Signature`. Store it now; it is "
        "never shown again (rotate it to get a new one).",
    )


class SubscriptionListOut(BaseModel):
    """A page of the caller's subscriptions in its key's mode, oldest first."""

    subscriptions: list[SubscriptionOut]
    next_after_id: int | None = Field(
        description="Pass as `after_id` for the next page; `null` after the last."
    )


class AttemptOut(BaseModel):
    """One try at sending a delivery."""

    at: dt.datetime
    status_code: int | None = Field(description="The receiver's HTTP status, if it answered.")
    error: str | None = Field(description="Why the attempt failed; null when it succeeded.")
    duration_ms: float


class DeliveryOut(BaseModel):
    """One event sent (or being sent) to one subscription, with every attempt."""

    id: int
    event_id: str = Field(description="Also the `Saxaul-Event-Id` header: deduplicate on it.")
    event_type: str
    status: Literal["pending", "delivered", "failed"]
    next_attempt_at: dt.datetime | None = Field(description="When a pending one is tried next.")
    delivered_at: dt.datetime | None
    attempts: list[AttemptOut] = Field(description="Oldest first.")

    @classmethod
    def of(cls, stored: Delivery) -> DeliveryOut:
        """The answer for a stored delivery."""
        return cls(
            id=stored.id,
            event_id=stored.event_id,
            event_type=stored.event_type,
            status=stored.status,
            next_attempt_at=_at(stored.next_attempt_at_us) if stored.status == "pending" else None,
            delivered_at=_at(stored.delivered_at_us),
            attempts=[
                AttemptOut(
                    at=from_us(a.at_us),
                    status_code=a.status_code,
                    error=a.error,
                    duration_ms=a.duration_us / 1000,
                )
                for a in stored.attempts
            ],
        )


class DeliveryListOut(BaseModel):
    """A subscription's latest deliveries, newest first."""

    deliveries: list[DeliveryOut]


class TestEventOut(BaseModel):
    """The test event recorded for one subscription."""

    event_id: str
    event_type: Literal["webhook.test"] = "webhook.test"


def _at(us: int | None) -> dt.datetime | None:
    return None if us is None else from_us(us)
