"""Operator API keys: shown once at creation, stored only as a SHA-256 hash.

Why SHA-256 and not a password hash: the secret is 32 random bytes (256 bits), so a fast hash
is not guessable, and every bulk request can be checked without a deliberate slow-down.
Example: ``create_api_key(rt, "ingest-bot")`` → ``"sxk_3q…"``; only its hash is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import insert, select, update

from saxaul.domain.clock import to_us
from saxaul.domain.errors import Conflict, Unauthorised
from saxaul.services.runtime import Runtime
from saxaul.store.tables import api_keys

PREFIX = "sxk_"


@dataclass(frozen=True, slots=True)
class ApiPrincipal:
    """Who a valid key belongs to."""

    key_id: int
    name: str
    role: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(rt: Runtime, name: str, role: str = "operator") -> str:
    """Create a key and return its secret (the only time it is ever visible)."""
    secret = PREFIX + secrets.token_urlsafe(32)
    with rt.engine.begin() as conn:
        exists = conn.execute(select(api_keys.c.id).where(api_keys.c.name == name)).first()
        if exists:
            raise Conflict(f"an API key named {name!r} already exists; pick another name")
        conn.execute(
            insert(api_keys).values(
                name=name, key_hash=_digest(secret), role=role, created_at_us=to_us(rt.clock.now())
            )
        )
    return secret


def authenticate(rt: Runtime, secret: str) -> ApiPrincipal:
    """The principal of a presented key; refuses unknown and revoked keys alike."""
    if not secret.startswith(PREFIX) or len(secret) > 128:
        raise Unauthorised("this is not a Saxaul API key; create one with `saxaul apikey create`")
    with rt.engine.connect() as conn:
        row = conn.execute(
            select(api_keys.c.id, api_keys.c.name, api_keys.c.role).where(
                api_keys.c.key_hash == _digest(secret), api_keys.c.revoked_at_us.is_(None)
            )
        ).first()
    if row is None:
        raise Unauthorised("unknown or revoked API key; ask the operator for a current one")
    return ApiPrincipal(key_id=row.id, name=row.name, role=row.role)


def revoke_api_key(rt: Runtime, name: str) -> None:
    """Revoke a key by name, effective immediately."""
    with rt.engine.begin() as conn:
        conn.execute(
            update(api_keys)
            .where(api_keys.c.name == name, api_keys.c.revoked_at_us.is_(None))
            .values(revoked_at_us=to_us(rt.clock.now()))
        )
