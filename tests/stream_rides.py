"""One metro ride as a stream message's bytes: what the stream tests publish, numbered."""

from __future__ import annotations

import json


def ride(n: int, prefix: str = "e") -> bytes:
    """Ride ``n`` of participant p0000001 (event id ``{prefix}{n}``), all at the same instant."""
    return json.dumps(
        {
            "event_id": f"{prefix}{n}",
            "source": "wallet",
            "user_id": "p0000001",
            "behaviour": "metro_ride",
            "occurred_at": "2026-03-01T08:15:00+08:00",
        }
    ).encode()
