"""Idempotency keys: a request's first answer, stored with its work and replayed to a retry.

The rule this module owns: under one participant's ``Idempotency-Key``, the first request that
succeeds stores its answer in the same transaction as its work (so either both are committed
or neither is); the same request sent again gets that answer back, marked ``replayed``, and
does nothing; the same key with a different request is refused (``idempotency_key_reused``),
never played as a second action. A refused request stores nothing, so its key may be sent
again once the cause is fixed.

Why set-wise: requests are played in batches (``services.game_batch``), so the stored answers of a
whole batch are looked up in one statement and the new ones written in one.

Example: ``stored_answers(uow, [Keyed("u1", "k1", "plant", {"species_id": "saxaul"})])`` →
``{}`` the first time; after ``save_answers(uow, [(that_request, answer)], now)`` it maps the
request to ``answer.to_json()``, and the same key with another body to an
``idempotency_key_reused`` conflict.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from saxaul.domain.clock import to_us
from saxaul.domain.errors import Conflict
from saxaul.store import driver
from saxaul.store.uow import UnitOfWork, WriteUnitOfWork


class Storable(Protocol):
    """An answer that can be stored: it turns itself into plain JSON (read back by a decoder)."""

    def to_json(self) -> Mapping[str, Any]:
        """The answer as JSON-ready data."""
        ...


@dataclass(frozen=True, slots=True, eq=False)
class Keyed:
    """A request sent under an idempotency key: who, the key, and what it asks for.

    Compared by identity (its body is a mapping): a batch looks up the very requests it holds.
    """

    user: str
    key: str
    operation: str
    body: Mapping[str, Any]

    @property
    def digest(self) -> str:
        """SHA-256 of the operation and body in canonical JSON: what "the same request" means."""
        canonical = json.dumps(
            {"operation": self.operation, **self.body}, sort_keys=True, default=str
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


_STORED = driver.Sql(
    postgresql="SELECT user_id, key, body_hash, response FROM requests WHERE (user_id, key) IN "
    "(SELECT * FROM unnest(CAST(%b AS TEXT[]), CAST(%b AS TEXT[])))",
    sqlite="SELECT user_id, key, body_hash, response FROM requests WHERE (user_id, key) IN "
    "(SELECT u.value, k.value FROM json_each(?) AS u JOIN json_each(?) AS k ON k.key = u.key)",
)
"""The stored answers of a batch's (user, key) pairs: two list parameters, zipped — whole
pairs, not the cross product of the batch's users and keys."""
_SAVE = driver.Sql.insert(
    "requests",
    [
        ("user_id", "text"),
        ("key", "text"),
        ("operation", "text"),
        ("body_hash", "text"),
        ("response", "text"),
        ("created_at_us", "bigint"),
    ],
)

Replay = Mapping[str, Any] | Conflict
"""What a key already stored answers: the first answer as JSON, or the refusal of a key reused
for a different request."""


def stored_answers(uow: UnitOfWork, keyed: Collection[Keyed]) -> dict[Keyed, Replay]:
    """For each request whose key has an answer stored, that answer (or the conflict when the
    key was used for a different request); requests with no stored answer are left out.

    One statement for the whole batch, its text constant whatever the batch's size.
    """
    if not keyed:
        return {}
    pairs = sorted({(r.user, r.key) for r in keyed})
    found_rows = driver.rows(uow, _STORED, [user for user, _ in pairs], [key for _, key in pairs])
    stored = {(user, key): (body_hash, response) for user, key, body_hash, response in found_rows}
    found: dict[Keyed, Replay] = {}
    for request in keyed:
        earlier = stored.get((request.user, request.key))
        if earlier is None:
            continue
        body_hash, response = earlier
        found[request] = json.loads(response) if body_hash == request.digest else _reused()
    return found


def save_answers(
    uow: WriteUnitOfWork, answered: Sequence[tuple[Keyed, Storable]], at: dt.datetime
) -> None:
    """Store each request's first answer under its key, in the transaction of its work.

    A key stored meanwhile by another transaction is a UNIQUE violation: ``Database.write``
    then plays the whole batch again, and this time ``stored_answers`` finds it.
    """
    if not answered:
        return
    at_us = to_us(at)
    driver.execute_columns(
        uow,
        _SAVE,
        [
            [request.user for request, _ in answered],
            [request.key for request, _ in answered],
            [request.operation for request, _ in answered],
            [request.digest for request, _ in answered],
            [json.dumps(answer.to_json()) for _, answer in answered],
            [at_us] * len(answered),
        ],
    )


def _reused() -> Conflict:
    return Conflict(
        "this Idempotency-Key was already used for a different request; "
        "send a new key for a new action",
        code="idempotency_key_reused",
        field="Idempotency-Key",
    )
