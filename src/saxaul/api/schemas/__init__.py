"""Request and answer shapes of the API, one module per router; ``BodyIn`` for request bodies."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class BodyIn(BaseModel):
    """A JSON request body: a field the schema does not name is refused (422), never ignored.

    Why: a client cannot set a property the route does not offer (mass assignment, e.g. an
    ``"owner"`` slipped into a planting), and a misspelt optional field (``"ttl_hour"``) is an
    error the sender sees rather than a default silently applied. The OpenAPI document says so
    (``additionalProperties: false``); ``tests/api/test_request_bodies.py`` checks every body.
    """

    model_config = ConfigDict(extra="forbid")
