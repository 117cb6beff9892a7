"""Idempotency keys: a request's first answer, stored with its work and replayed to a retry.

The rule this module owns: under one participant's ``Idempotency-Key``, the first request that
succeeds stores its answer in the same transaction as its work (so either both are committed
or neither is); the same request sent again gets that answer back, marked ``replayed``, and
does nothing; the same key with a different request is refused (``idempotency_key_reused``),
never played as a second action. A refused request stores nothing, so its key may be sent
again once the cause is fixed.

Example: ``answer_once(uow, Keyed("u1", "k1", "plant", {"species_id": "saxaul"}), play,
MoveAnswer.from_json, at)`` → ``(answer, False)``; the same call again → ``(answer, True)``
without ``play``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import insert, select

from saxaul.domain.errors import Conflict, DomainError
from saxaul.store.tables import requests
from saxaul.store.uow import WriteUnitOfWork


class Storable(Protocol):
    """An answer that can be stored: it turns itself into plain JSON (read back by a decoder)."""

    def to_json(self) -> Mapping[str, Any]:
        """The answer as JSON-ready data."""
        ...


A = TypeVar("A", bound=Storable)


@dataclass(frozen=True, slots=True)
class Keyed:
    """A request sent under an idempotency key: who, the key, and what it asks for."""

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


def answer_once(
    uow: WriteUnitOfWork,
    request: Keyed | None,
    work: Callable[[], A],
    decode: Callable[[Mapping[str, Any]], A],
    at_us: int,
) -> tuple[A, bool]:
    """``work``'s answer, stored under ``request``'s key; a retry gets the stored one instead,
    read back by ``decode``. The flag says whether the answer is such a replay.

    ``work`` runs in ``uow`` and raises a ``DomainError`` to refuse. Without a key it simply
    runs. The write unit of work holds the locks ``work`` needs, so two racing sends of one
    request run one after the other: the second either finds the first's answer before it
    starts, or — having read nothing yet, then waited on the first's locks and been refused by
    what it wrote (the tree exists, the ball is empty) — finds it after its refusal.
    """
    if request is None:
        return work(), False
    digest = request.digest
    earlier = _replay(uow, request, digest)
    if earlier is not None:
        return decode(earlier), True
    try:
        answer = work()
    except DomainError:
        earlier = _replay(uow, request, digest)
        if earlier is not None:
            return decode(earlier), True
        raise
    uow.execute(
        insert(requests).values(
            user_id=request.user,
            key=request.key,
            operation=request.operation,
            body_hash=digest,
            response=json.dumps(answer.to_json()),
            created_at_us=at_us,
        )
    )
    return answer, False


def _replay(uow: WriteUnitOfWork, request: Keyed, digest: str) -> dict[str, Any] | None:
    """The answer stored for ``request``'s key, as JSON; a conflict for another body."""
    earlier = uow.execute(
        select(requests.c.body_hash, requests.c.response).where(
            requests.c.user_id == request.user, requests.c.key == request.key
        )
    ).first()
    if earlier is None:
        return None
    if earlier.body_hash != digest:
        raise Conflict(
            "this Idempotency-Key was already used for a different request; "
            "send a new key for a new action",
            code="idempotency_key_reused",
            field="Idempotency-Key",
        )
    stored: dict[str, Any] = json.loads(earlier.response)
    return stored
