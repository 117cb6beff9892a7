"""The webhook outbox: partner events recorded in the transaction of the work they report.

Why here and not sent at once: an event must go out if and only if its work committed, so a use
case records it in its own unit of work and the dispatcher (``services.webhooks``) delivers it
afterwards, in order per subscription, retrying until the receiver acknowledges it.

Example: inside ``rt.db.write``, ``record(conn, partner_id="see-foundation", mode="live",
type="order.created", payload={"order": {...}}, at_us=now_us)`` → ``"evt_…"``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from typing import Any

from sqlalchemy import insert

from saxaul.store.tables import webhook_events
from saxaul.store.uow import WriteUnitOfWork


def record(
    conn: WriteUnitOfWork,
    *,
    partner_id: str,
    mode: str,
    type: str,
    payload: Mapping[str, Any],
    at_us: int,
    subscription_id: int | None = None,
) -> str:
    """Record an event for ``partner_id``'s subscribers in ``mode``; returns its id.

    ``subscription_id``: for that subscription alone (its test event), not fanned out."""
    event_id = "evt_" + secrets.token_hex(12)
    conn.execute(
        insert(webhook_events).values(
            id=event_id,
            partner_id=partner_id,
            mode=mode,
            type=type,
            payload=json.dumps(payload, sort_keys=True, separators=(",", ":")),
            created_at_us=at_us,
            subscription_id=subscription_id,
        )
    )
    return event_id
