"""``/v1/partner/webhooks``: a partner's subscriptions, their secrets, the delivery log, replays.

Why every route acts on the key's own partner and mode: a subscription of another partner, or
of the other mode, is answered 404 exactly as one that does not exist, so a key learns nothing
about what it may not see (``domain.partners.PartnerPrincipal``).

Example: ``POST /v1/partner/webhooks {"url": "https://hooks.example/saxaul", "event_types":
["order.created"]}`` → 201 with ``secret: "whsec_…"`` (shown once); ``POST …/{id}/test`` → a
``webhook.test`` event for it alone; ``GET …/{id}/deliveries`` → every attempt.
"""

from __future__ import annotations

import functools
from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from starlette.concurrency import run_in_threadpool

from saxaul.api.deps import RuntimeDep, partner_scope
from saxaul.api.paging import DEFAULT_PAGE, AfterNumber, Limit
from saxaul.api.problems import problem_responses
from saxaul.api.schemas.webhooks import (
    DeliveryListOut,
    DeliveryOut,
    SubscriptionIn,
    SubscriptionListOut,
    SubscriptionOut,
    SubscriptionSecretOut,
    TestEventOut,
)
from saxaul.domain.paging import next_after_id
from saxaul.domain.partners import PartnerPrincipal, Scope
from saxaul.services import webhooks

router = APIRouter(prefix="/v1/partner/webhooks", tags=["partner webhooks"])

Reader = Annotated[PartnerPrincipal, partner_scope(Scope.WEBHOOKS_READ)]
Writer = Annotated[PartnerPrincipal, partner_scope(Scope.WEBHOOKS_WRITE)]
SubscriptionId = Annotated[
    int, Path(ge=1, le=webhooks.MAX_ID, description="The subscription's id.", examples=[7])
]
DeliveryId = Annotated[
    int, Path(ge=1, le=webhooks.MAX_ID, description="The delivery's id.", examples=[42])
]
REFUSED = ("unauthorised", "forbidden", "invalid_request")
MINE = (*REFUSED, "not_found")


@router.post(
    "",
    summary="Subscribe to events",
    status_code=status.HTTP_201_CREATED,
    response_model=SubscriptionSecretOut,
    responses=problem_responses(
        *REFUSED, "unknown_event_type", "invalid_webhook_url", "webhook_address_refused"
    ),
)
async def post_subscription(
    rt: RuntimeDep, partner: Writer, body: SubscriptionIn
) -> SubscriptionSecretOut:
    """Send the events of `event_types` recorded from now on to `url`, signed with the secret
    in this answer (shown once: store it).

    `url` must lead to a public address (`webhook_address_refused` for a loopback, private,
    link-local or other special-purpose one, or a name resolving to one); every delivery checks
    again where the name leads."""
    made = await run_in_threadpool(webhooks.subscribe, rt, partner, body.url, body.event_types)
    return SubscriptionSecretOut(
        **SubscriptionOut.of(made.subscription).model_dump(), secret=made.secret
    )


@router.get(
    "",
    summary="My subscriptions",
    response_model=SubscriptionListOut,
    responses=problem_responses(*REFUSED),
)
async def get_subscriptions(
    rt: RuntimeDep, partner: Reader, limit: Limit = DEFAULT_PAGE, after_id: AfterNumber = 0
) -> SubscriptionListOut:
    """Your subscriptions in your key's mode, oldest first, disabled ones included, a page at
    a time."""
    listed = await run_in_threadpool(
        functools.partial(webhooks.subscriptions, limit=limit, after_id=after_id), rt, partner
    )
    return SubscriptionListOut(
        subscriptions=[SubscriptionOut.of(s) for s in listed],
        next_after_id=next_after_id([s.id for s in listed], limit),
    )


@router.get(
    "/{subscription_id}",
    summary="One subscription",
    response_model=SubscriptionOut,
    responses=problem_responses(*MINE),
)
async def get_subscription(
    rt: RuntimeDep, partner: Reader, subscription_id: SubscriptionId
) -> SubscriptionOut:
    """One of your subscriptions."""
    stored = await run_in_threadpool(webhooks.subscription, rt, partner, subscription_id)
    return SubscriptionOut.of(stored)


@router.delete(
    "/{subscription_id}",
    summary="Disable a subscription",
    response_model=SubscriptionOut,
    responses=problem_responses(*MINE),
)
async def delete_subscription(
    rt: RuntimeDep, partner: Writer, subscription_id: SubscriptionId
) -> SubscriptionOut:
    """Stop deliveries to this subscription; its log stays readable. Disabling is final:
    subscribe again to resume."""
    stored = await run_in_threadpool(webhooks.disable, rt, partner, subscription_id)
    return SubscriptionOut.of(stored)


@router.post(
    "/{subscription_id}/rotate-secret",
    summary="Rotate the signing secret",
    response_model=SubscriptionSecretOut,
    responses=problem_responses(*MINE, "subscription_disabled"),
)
async def post_rotate_secret(
    rt: RuntimeDep, partner: Writer, subscription_id: SubscriptionId
) -> SubscriptionSecretOut:
    """A new secret (shown once). For a grace period (a day by default) deliveries carry a
    signature with the previous secret as well, so your receiver can switch over."""
    made = await run_in_threadpool(webhooks.rotate_secret, rt, partner, subscription_id)
    return SubscriptionSecretOut(
        **SubscriptionOut.of(made.subscription).model_dump(), secret=made.secret
    )


@router.get(
    "/{subscription_id}/deliveries",
    summary="The delivery log",
    response_model=DeliveryListOut,
    responses=problem_responses(*MINE),
)
async def get_deliveries(
    rt: RuntimeDep,
    partner: Reader,
    subscription_id: SubscriptionId,
    limit: Annotated[int, Query(ge=1, le=500, description="Most deliveries returned.")] = 100,
) -> DeliveryListOut:
    """The latest deliveries, newest first, each with every attempt: its time, the receiver's
    HTTP status or the error, and how long it took."""
    found = await run_in_threadpool(webhooks.delivery_log, rt, partner, subscription_id, limit)
    return DeliveryListOut(deliveries=[DeliveryOut.of(d) for d in found])


@router.post(
    "/{subscription_id}/deliveries/{delivery_id}/replay",
    summary="Send a delivery again",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=DeliveryOut,
    responses=problem_responses(*MINE, "subscription_disabled", "delivery_pending"),
)
async def post_replay(
    rt: RuntimeDep, partner: Writer, subscription_id: SubscriptionId, delivery_id: DeliveryId
) -> DeliveryOut:
    """Queue a delivered or failed delivery again: it is sent as a new attempt (same event id)
    on the dispatcher's next pass, and retried like a new delivery if it fails."""
    stored = await run_in_threadpool(webhooks.replay, rt, partner, subscription_id, delivery_id)
    return DeliveryOut.of(stored)


@router.post(
    "/{subscription_id}/test",
    summary="Send a test event",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=TestEventOut,
    responses=problem_responses(*MINE, "subscription_disabled"),
)
async def post_test(
    rt: RuntimeDep, partner: Writer, subscription_id: SubscriptionId
) -> TestEventOut:
    """Record a `webhook.test` event for this subscription alone; it is delivered like any
    other event, so the log shows what your receiver answered."""
    event_id = await run_in_threadpool(webhooks.send_test, rt, partner, subscription_id)
    return TestEventOut(event_id=event_id)
