"""The register of methodology packs used: each id@version once, with its content hash.

Every function runs in the caller's unit of work (``store.uow``).
"""

from __future__ import annotations

from sqlalchemy import insert, select

from saxaul.domain.methodology import Pack
from saxaul.store.tables import methodology_packs
from saxaul.store.uow import UnitOfWork, WriteUnitOfWork


def registered_hash(conn: UnitOfWork, pack: Pack) -> str | None:
    """The content hash stored for ``pack``'s id@version, or ``None`` if it is not registered."""
    stored: str | None = conn.execute(
        select(methodology_packs.c.content_hash).where(
            methodology_packs.c.pack_id == pack.id,
            methodology_packs.c.version == pack.version,
        )
    ).scalar_one_or_none()
    return stored


def register(conn: WriteUnitOfWork, pack: Pack, document: str, at_us: int) -> None:
    """Store ``pack`` with its canonical JSON ``document``."""
    conn.execute(
        insert(methodology_packs).values(
            pack_id=pack.id,
            version=pack.version,
            content_hash=pack.content_hash,
            title=pack.title,
            document=document,
            registered_at_us=at_us,
        )
    )
