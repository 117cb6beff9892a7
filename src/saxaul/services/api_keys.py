"""Operator API keys: shown once at creation, stored only as a SHA-256 hash.

Why SHA-256 and not a password hash: the secret is 32 random bytes (256 bits), so a fast hash
is not guessable, and every bulk request can be checked without a deliberate slow-down.
A key found live is remembered in ``rt.operator_keys`` for ``SAXAUL_AUTH_CACHE_S`` seconds, as
participant tokens are (``services.participant_auth`` says why): revoking a key refuses it at
once in the revoking process and at most that long after in any other.

Why every key has a role (``domain.operators``), and why ``admin`` is the default: a key's
role caps what it may do, so an ingest bot gets ``operations`` and a help desk ``support``; the
default is ``admin`` because keys are made on the server by someone who holds the database
already (a default grants them nothing new), the first key of an instance must be able to make
decisions and read the audit log, and every key made before roles existed was all-powerful.

Example: ``create_api_key(rt, "ingest-bot", OperatorRole.OPERATIONS)`` → ``"sxk_3q…"``; only
its hash is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from saxaul.domain.clock import from_us, to_us
from saxaul.domain.errors import Conflict, Unauthorised
from saxaul.domain.operators import OperatorRole
from saxaul.services.runtime import Runtime
from saxaul.store import auth_repo
from saxaul.store.uow import WriteUnitOfWork

PREFIX = "sxk_"


@dataclass(frozen=True, slots=True)
class ApiPrincipal:
    """Who a valid key belongs to."""

    key_id: int
    name: str
    role: OperatorRole


@dataclass(frozen=True, slots=True)
class KeyListing:
    """A key as listed to the operator: never its secret or hash."""

    name: str
    role: OperatorRole
    created_at: dt.datetime
    revoked_at: dt.datetime | None


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(rt: Runtime, name: str, role: OperatorRole = OperatorRole.ADMIN) -> str:
    """Create a key and return its secret (the only time it is ever visible)."""
    secret = PREFIX + secrets.token_urlsafe(32)

    def work(conn: WriteUnitOfWork) -> None:
        if auth_repo.api_key_named(conn, name):
            raise Conflict(f"an API key named {name!r} already exists; pick another name")
        auth_repo.insert_api_key(conn, name, _digest(secret), role.value, to_us(rt.clock.now()))

    rt.db.write(work)
    return secret


def remembered_key(rt: Runtime, secret: str) -> ApiPrincipal | None:
    """The principal of a key this process found live a moment ago, without any I/O; ``None``
    means "ask ``authenticate``", never "refused"."""
    key = rt.operator_keys.get(_digest(secret), to_us(rt.clock.now()))
    return None if key is None else _principal(key)


def authenticate(rt: Runtime, secret: str) -> ApiPrincipal:
    """The principal of a presented key; refuses unknown and revoked keys alike."""
    if not secret.startswith(PREFIX) or len(secret) > 128:
        raise Unauthorised("this is not a Saxaul API key; create one with `saxaul apikey create`")
    remembered = remembered_key(rt, secret)
    if remembered is not None:
        return remembered
    digest, now_us = _digest(secret), to_us(rt.clock.now())
    with rt.db.reading() as conn:
        key = auth_repo.live_api_key(conn, digest)
    if key is None:
        raise Unauthorised("unknown or revoked API key; ask the operator for a current one")
    rt.operator_keys.put(digest, key, now_us)
    return _principal(key)


def _principal(key: auth_repo.StoredKey) -> ApiPrincipal:
    return ApiPrincipal(key_id=key.id, name=key.name, role=OperatorRole(key.role))


def list_api_keys(rt: Runtime) -> list[KeyListing]:
    """Every key, live and revoked, oldest first, with its role."""
    with rt.db.reading() as conn:
        stored = auth_repo.api_keys_listed(conn)
    return [
        KeyListing(
            name=key.name,
            role=OperatorRole(key.role),
            created_at=from_us(key.created_at_us),
            revoked_at=None if key.revoked_at_us is None else from_us(key.revoked_at_us),
        )
        for key in stored
    ]


def revoke_api_key(rt: Runtime, name: str) -> None:
    """Revoke a key by name, effective immediately."""
    at_us = to_us(rt.clock.now())
    rt.db.write(lambda conn: auth_repo.revoke_api_key(conn, name, at_us))
    rt.operator_keys.evict_where(lambda key: key.name == name)
