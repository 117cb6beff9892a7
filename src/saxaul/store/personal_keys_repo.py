"""The participants' archive data keys (``personal_keys``): made before an export, looked up
when an archive is read, deleted by erasure (``erasure_repo.erase``).

Why made in the store's transactions and never in an archive: the key is what erasure destroys,
so it must live only where erasure reaches (``reports.personal_seal`` says how it is used).
"""

from __future__ import annotations

import os

import polars as pl
from sqlalchemy import insert, select

from saxaul.store.bulk import BulkConnection
from saxaul.store.tables import participants, personal_keys
from saxaul.store.uow import UnitOfWork, WriteUnitOfWork

KEY_BYTES = 32
"""AES-256: a 32-byte key, stored as hex text (both engines, every driver, keep text alike)."""


def keyless(conn: UnitOfWork, limit: int) -> list[str]:
    """At most ``limit`` participants, not erased, who have no data key yet."""
    has_key = select(personal_keys.c.user_id).where(
        personal_keys.c.user_id == participants.c.user_id
    )
    return list(
        conn.execute(
            select(participants.c.user_id)
            .where(participants.c.erased_at_us.is_(None), ~has_key.exists())
            .order_by(participants.c.user_id)
            .limit(limit)
        ).scalars()
    )


def make_keys(conn: WriteUnitOfWork, user_ids: list[str], at_us: int) -> None:
    """A new random data key for each of ``user_ids``."""
    if user_ids:
        conn.execute(
            insert(personal_keys),
            [
                {"user_id": u, "data_key": os.urandom(KEY_BYTES).hex(), "created_at_us": at_us}
                for u in user_ids
            ],
        )


def keys_of(bulk: BulkConnection, user_ids: pl.Series) -> pl.DataFrame:
    """``user_id``, ``data_key`` of those of ``user_ids`` that have a key (others are absent)."""
    bulk.stage("stage_key_users", pl.DataFrame({"user_id": user_ids.unique()}))
    found = bulk.query(
        "SELECT k.user_id, k.data_key FROM personal_keys k "
        "JOIN stage_key_users s ON s.user_id = k.user_id"
    )
    return found.select(pl.col("user_id").cast(pl.String), pl.col("data_key").cast(pl.String))
