"""Who may call: operator API keys, participant passwords and participant sessions.

Only hashes are stored (SHA-256 of keys and tokens, scrypt of passwords; the services choose
and check them). Every function runs in the caller's unit of work (``store.uow``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select, update

from saxaul.store.conflicts import insert_on_conflict
from saxaul.store.tables import api_keys, participant_credentials, sessions
from saxaul.store.uow import UnitOfWork, WriteUnitOfWork


@dataclass(frozen=True, slots=True)
class StoredKey:
    """A live API key as stored, without its hash."""

    id: int
    name: str
    role: str


@dataclass(frozen=True, slots=True)
class ListedKey:
    """A key as listed, live or revoked, without its hash."""

    name: str
    role: str
    created_at_us: int
    revoked_at_us: int | None


def api_keys_listed(conn: UnitOfWork) -> list[ListedKey]:
    """Every key, oldest first."""
    c = api_keys.c
    rows = conn.execute(
        select(c.name, c.role, c.created_at_us, c.revoked_at_us).order_by(c.id)
    ).all()
    return [ListedKey(r.name, r.role, r.created_at_us, r.revoked_at_us) for r in rows]


def api_key_named(conn: UnitOfWork, name: str) -> bool:
    """Whether a key (live or revoked) already has ``name``."""
    return conn.execute(select(api_keys.c.id).where(api_keys.c.name == name)).first() is not None


def insert_api_key(conn: WriteUnitOfWork, name: str, key_hash: str, role: str, at_us: int) -> None:
    """Store a new key by its hash."""
    conn.execute(
        insert(api_keys).values(name=name, key_hash=key_hash, role=role, created_at_us=at_us)
    )


def live_api_key(conn: UnitOfWork, key_hash: str) -> StoredKey | None:
    """The unrevoked key whose secret hashes to ``key_hash``, if any."""
    row = conn.execute(
        select(api_keys.c.id, api_keys.c.name, api_keys.c.role).where(
            api_keys.c.key_hash == key_hash, api_keys.c.revoked_at_us.is_(None)
        )
    ).first()
    return None if row is None else StoredKey(row.id, row.name, row.role)


def revoke_api_key(conn: WriteUnitOfWork, name: str, at_us: int) -> None:
    """Revoke the live key called ``name`` (nothing happens if there is none)."""
    conn.execute(
        update(api_keys)
        .where(api_keys.c.name == name, api_keys.c.revoked_at_us.is_(None))
        .values(revoked_at_us=at_us)
    )


def save_password_hash(conn: WriteUnitOfWork, user_id: str, password_hash: str, at_us: int) -> None:
    """Set or replace ``user_id``'s password hash."""
    upsert = insert_on_conflict(conn, participant_credentials).values(
        user_id=user_id, password_hash=password_hash, updated_at_us=at_us
    )
    conn.execute(
        upsert.on_conflict_do_update(
            index_elements=["user_id"],
            set_={"password_hash": password_hash, "updated_at_us": at_us},
        )
    )


def password_hash(conn: UnitOfWork, user_id: str) -> str | None:
    """``user_id``'s stored password hash, or ``None`` when they have no password."""
    stored: str | None = conn.execute(
        select(participant_credentials.c.password_hash).where(
            participant_credentials.c.user_id == user_id
        )
    ).scalar()
    return stored


def insert_session(
    conn: WriteUnitOfWork, token_hash: str, user_id: str, created_us: int, expires_us: int
) -> None:
    """Store a new session by its token's hash."""
    conn.execute(
        insert(sessions).values(
            token_hash=token_hash,
            user_id=user_id,
            created_at_us=created_us,
            expires_at_us=expires_us,
        )
    )


def live_session(conn: UnitOfWork, token_hash: str, now_us: int) -> tuple[str, int] | None:
    """The participant of the live (unrevoked, unexpired) session ``token_hash`` and when it
    expires (µs), if there is one."""
    row = conn.execute(
        select(sessions.c.user_id, sessions.c.expires_at_us).where(
            sessions.c.token_hash == token_hash,
            sessions.c.revoked_at_us.is_(None),
            sessions.c.expires_at_us > now_us,
        )
    ).first()
    return None if row is None else (row.user_id, row.expires_at_us)


def revoke_session(conn: WriteUnitOfWork, token_hash: str, at_us: int) -> None:
    """End the session ``token_hash`` now, unless it has ended already."""
    conn.execute(
        update(sessions)
        .where(sessions.c.token_hash == token_hash, sessions.c.revoked_at_us.is_(None))
        .values(revoked_at_us=at_us)
    )
