"""Partners, their members and their API keys in the database (hashes only, never secrets).

Every function runs in the caller's unit of work (``store.uow``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select, update

from saxaul.store.tables import partner_keys, partner_members, partners
from saxaul.store.uow import UnitOfWork, WriteUnitOfWork


@dataclass(frozen=True, slots=True)
class StoredPartner:
    """A partner as stored."""

    id: str
    name_en: str
    name_zh: str | None
    kind: str
    status: str
    contact_email: str
    created_at_us: int
    decided_at_us: int | None
    decision_note: str | None


@dataclass(frozen=True, slots=True)
class StoredPartnerKey:
    """A key that is neither revoked nor past its grace period, with its partner's standing."""

    id: int
    partner_id: str
    name: str
    mode: str
    scopes: str
    member_id: int | None
    partner_kind: str
    partner_status: str


def partner(conn: UnitOfWork, partner_id: str) -> StoredPartner | None:
    """The partner ``partner_id``, if it exists."""
    row = conn.execute(select(*partners.c).where(partners.c.id == partner_id)).first()
    return None if row is None else StoredPartner(*row[:9])


def insert_partner(conn: WriteUnitOfWork, stored: StoredPartner) -> None:
    """Store a new partner."""
    conn.execute(
        insert(partners).values(
            id=stored.id,
            name_en=stored.name_en,
            name_zh=stored.name_zh,
            kind=stored.kind,
            status=stored.status,
            contact_email=stored.contact_email,
            created_at_us=stored.created_at_us,
        )
    )


def decide_partner(
    conn: WriteUnitOfWork, partner_id: str, status: str, by: str, note: str | None, at_us: int
) -> None:
    """Record an operator's decision on a partner."""
    conn.execute(
        update(partners)
        .where(partners.c.id == partner_id)
        .values(status=status, decided_by=by, decision_note=note, decided_at_us=at_us)
    )


def insert_member(
    conn: WriteUnitOfWork, partner_id: str, email: str, name: str, role: str, at_us: int
) -> int:
    """Store a member; returns its id."""
    result = conn.execute(
        insert(partner_members)
        .values(partner_id=partner_id, email=email, name=name, role=role, created_at_us=at_us)
        .returning(partner_members.c.id)
    )
    return int(result.scalar_one())


def insert_key(
    conn: WriteUnitOfWork,
    *,
    partner_id: str,
    name: str,
    key_hash: str,
    mode: str,
    scopes: str,
    member_id: int | None,
    at_us: int,
) -> int:
    """Store a new key by its hash; returns its id."""
    result = conn.execute(
        insert(partner_keys)
        .values(
            partner_id=partner_id,
            name=name,
            key_hash=key_hash,
            mode=mode,
            scopes=scopes,
            member_id=member_id,
            created_at_us=at_us,
        )
        .returning(partner_keys.c.id)
    )
    return int(result.scalar_one())


def live_key(conn: UnitOfWork, key_hash: str, now_us: int) -> StoredPartnerKey | None:
    """The key whose secret hashes to ``key_hash`` if it is neither revoked nor expired."""
    row = conn.execute(
        select(
            partner_keys.c.id,
            partner_keys.c.partner_id,
            partner_keys.c.name,
            partner_keys.c.mode,
            partner_keys.c.scopes,
            partner_keys.c.member_id,
            partners.c.kind,
            partners.c.status,
        )
        .join(partners, partners.c.id == partner_keys.c.partner_id)
        .where(
            partner_keys.c.key_hash == key_hash,
            partner_keys.c.revoked_at_us.is_(None),
            (partner_keys.c.expires_at_us.is_(None)) | (partner_keys.c.expires_at_us > now_us),
        )
    ).first()
    return None if row is None else StoredPartnerKey(*row)


def revoke_key(conn: WriteUnitOfWork, partner_id: str, key_id: int, at_us: int) -> bool:
    """Revoke ``partner_id``'s key ``key_id``; whether there was such a live key."""
    result = conn.execute(
        update(partner_keys)
        .where(
            partner_keys.c.id == key_id,
            partner_keys.c.partner_id == partner_id,
            partner_keys.c.revoked_at_us.is_(None),
        )
        .values(revoked_at_us=at_us)
    )
    return result.rowcount == 1
