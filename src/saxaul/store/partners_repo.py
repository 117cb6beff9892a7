"""Partners, their members and their API keys in the database (hashes only, never secrets).

Every function runs in the caller's unit of work (``store.uow``). Functions that take a
``partner_id`` beside a row id only ever find that partner's rows: a caller cannot reach
another partner's member or key by guessing its id.
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


@dataclass(frozen=True, slots=True)
class StoredMember:
    """A member of a partner (``removed_at_us`` set once removed)."""

    id: int
    partner_id: str
    email: str
    name: str
    role: str
    created_at_us: int
    removed_at_us: int | None


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """A key as its partner may see it: everything but the hash."""

    id: int
    name: str
    mode: str
    scopes: str
    member_id: int | None
    created_at_us: int
    expires_at_us: int | None
    revoked_at_us: int | None
    replaced_by: int | None


_PARTNER_COLUMNS = (
    partners.c.id,
    partners.c.name_en,
    partners.c.name_zh,
    partners.c.kind,
    partners.c.status,
    partners.c.contact_email,
    partners.c.created_at_us,
    partners.c.decided_at_us,
    partners.c.decision_note,
)
_MEMBER_COLUMNS = (
    partner_members.c.id,
    partner_members.c.partner_id,
    partner_members.c.email,
    partner_members.c.name,
    partner_members.c.role,
    partner_members.c.created_at_us,
    partner_members.c.removed_at_us,
)
_KEY_COLUMNS = (
    partner_keys.c.id,
    partner_keys.c.name,
    partner_keys.c.mode,
    partner_keys.c.scopes,
    partner_keys.c.member_id,
    partner_keys.c.created_at_us,
    partner_keys.c.expires_at_us,
    partner_keys.c.revoked_at_us,
    partner_keys.c.replaced_by,
)


def partner(conn: UnitOfWork, partner_id: str) -> StoredPartner | None:
    """The partner ``partner_id``, if it exists."""
    row = conn.execute(select(*_PARTNER_COLUMNS).where(partners.c.id == partner_id)).first()
    return None if row is None else StoredPartner(*row)


def list_partners(conn: UnitOfWork, status: str | None, limit: int) -> list[StoredPartner]:
    """Partners by id, of one ``status`` or all, at most ``limit``."""
    query = select(*_PARTNER_COLUMNS).order_by(partners.c.id).limit(limit)
    if status is not None:
        query = query.where(partners.c.status == status)
    return [StoredPartner(*row) for row in conn.execute(query)]


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


def members(
    conn: UnitOfWork, partner_id: str, *, limit: int, after_id: int = 0
) -> list[StoredMember]:
    """``partner_id``'s current members, oldest first: at most ``limit`` after ``after_id``."""
    rows = conn.execute(
        select(*_MEMBER_COLUMNS)
        .where(
            partner_members.c.partner_id == partner_id,
            partner_members.c.removed_at_us.is_(None),
            partner_members.c.id > after_id,
        )
        .order_by(partner_members.c.id)
        .limit(limit)
    )
    return [StoredMember(*row) for row in rows]


def member(conn: UnitOfWork, partner_id: str, member_id: int) -> StoredMember | None:
    """``partner_id``'s current member ``member_id``, if there is one."""
    row = conn.execute(
        select(*_MEMBER_COLUMNS).where(
            partner_members.c.id == member_id,
            partner_members.c.partner_id == partner_id,
            partner_members.c.removed_at_us.is_(None),
        )
    ).first()
    return None if row is None else StoredMember(*row)


def member_by_email(conn: UnitOfWork, partner_id: str, email: str) -> StoredMember | None:
    """``partner_id``'s member with ``email``, current or removed."""
    row = conn.execute(
        select(*_MEMBER_COLUMNS).where(
            partner_members.c.partner_id == partner_id, partner_members.c.email == email
        )
    ).first()
    return None if row is None else StoredMember(*row)


def restore_member(conn: WriteUnitOfWork, member_id: int, name: str, role: str, at_us: int) -> None:
    """A removed member back, with a new name and role, as of ``at_us``."""
    conn.execute(
        update(partner_members)
        .where(partner_members.c.id == member_id)
        .values(name=name, role=role, created_at_us=at_us, removed_at_us=None)
    )


def lock_owners(conn: WriteUnitOfWork, partner_id: str) -> int:
    """How many current owners ``partner_id`` has, their rows locked until commit.

    Why locked: two owners removing each other at once must not both see the other left.
    """
    rows = conn.execute(
        select(partner_members.c.id)
        .where(
            partner_members.c.partner_id == partner_id,
            partner_members.c.role == "owner",
            partner_members.c.removed_at_us.is_(None),
        )
        .with_for_update()
    ).all()
    return len(rows)


def remove_member(conn: WriteUnitOfWork, member_id: int, at_us: int) -> int:
    """Mark the member removed and revoke every key acting for it; how many keys were."""
    conn.execute(
        update(partner_members).where(partner_members.c.id == member_id).values(removed_at_us=at_us)
    )
    result = conn.execute(
        update(partner_keys)
        .where(partner_keys.c.member_id == member_id, partner_keys.c.revoked_at_us.is_(None))
        .values(revoked_at_us=at_us)
    )
    return int(result.rowcount)


def keys(conn: UnitOfWork, partner_id: str, *, limit: int, after_id: int = 0) -> list[KeyRecord]:
    """The keys ``partner_id`` ever had, revoked and expired ones too, oldest first: at most
    ``limit`` after ``after_id``."""
    rows = conn.execute(
        select(*_KEY_COLUMNS)
        .where(partner_keys.c.partner_id == partner_id, partner_keys.c.id > after_id)
        .order_by(partner_keys.c.id)
        .limit(limit)
    )
    return [KeyRecord(*row) for row in rows]


def key(conn: UnitOfWork, partner_id: str, key_id: int) -> KeyRecord | None:
    """``partner_id``'s key ``key_id``, if it has one."""
    row = conn.execute(
        select(*_KEY_COLUMNS).where(
            partner_keys.c.id == key_id, partner_keys.c.partner_id == partner_id
        )
    ).first()
    return None if row is None else KeyRecord(*row)


def retire_key(
    conn: WriteUnitOfWork, partner_id: str, key_id: int, expires_at_us: int, replaced_by: int
) -> bool:
    """Let a key live until ``expires_at_us``, replaced by ``replaced_by``; whether it was
    current (neither revoked nor already replaced)."""
    result = conn.execute(
        update(partner_keys)
        .where(
            partner_keys.c.id == key_id,
            partner_keys.c.partner_id == partner_id,
            partner_keys.c.revoked_at_us.is_(None),
            partner_keys.c.replaced_by.is_(None),
        )
        .values(expires_at_us=expires_at_us, replaced_by=replaced_by)
    )
    return result.rowcount == 1


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
