"""Crypto-shredding of the archive's personal columns: sealed per participant with their own
data key, which lives only in the store (``personal_keys``), never in the archive.

Why: a Parquet archive is an immutable file that gets copied and backed up, so no erasure can
rewrite every copy; instead each participant's demographics are written encrypted under their
key, and erasure deletes the key — every copy of every archive is then unreadable for that
person, and for them only. Reading an archive with the store's keys gives the demographics back;
without a key (erased, or an archive read without its store) they are unknown.

What is sealed (``Sealing``): a participant's demographics (``DEMOGRAPHICS``) and an event's
payment details and free attributes (``PAYMENT``, the columns erasure nulls in the store:
``erasure_repo.PAYMENT_COLUMNS``), both under the same per-participant key — one scheme, so one
erasure reaches both.

How: a row's sealed columns are one JSON object, sealed with AES-256-GCM under the participant's
key, the row's identity (``Sealing.bound``: the user id, and an event's dedupe key) bound as
associated data (a sealed value cannot be moved to another row). The nonce is synthetic — the
first 12 bytes of HMAC-SHA256(key, that identity, the plaintext) — so the same store exports
the same bytes (the archive's promise), and two different plaintexts under one key never share
a nonce (what would break GCM). The sealed column is ``NONCE || ciphertext || tag``; it is null
where a row has no key or nothing to seal (every column null).

Example: ``seal(frame, DEMOGRAPHICS)`` → ``frame`` with ``gender``, ``birth_year``,
``province`` and ``data_key`` replaced by ``personal`` (binary); ``unseal(that, keys, types,
DEMOGRAPHICS).frame`` → the three back, null where ``keys`` has no key for the row.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import NamedTuple

import polars as pl
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from saxaul.domain.errors import InputRejected
from saxaul.store.erasure_repo import PAYMENT_COLUMNS

KEY = "data_key"
NONCE_BYTES = 12
"""GCM's standard 96-bit nonce."""


@dataclass(frozen=True, slots=True)
class Sealing:
    """Which columns of a row are sealed together, into which column, bound to which identity."""

    columns: tuple[str, ...]
    into: str
    bound: tuple[str, ...]
    """The row's identity, the associated data: ``user_id`` first (whose key seals it)."""


DEMOGRAPHICS = Sealing(("gender", "birth_year", "province"), "personal", ("user_id",))
"""The participants' columns an archive holds only sealed."""
PAYMENT = Sealing(PAYMENT_COLUMNS, "payment", ("user_id", "dedupe_key"))
"""The events' columns an archive holds only sealed."""


class Unsealed(NamedTuple):
    """Rows opened, and how many of them held a sealed value that no key opened."""

    frame: pl.DataFrame
    unopened: int


def seal(frame: pl.DataFrame, sealing: Sealing) -> pl.DataFrame:
    """``frame`` (``sealing.bound``, ``sealing.columns``, ``KEY`` as hex) with the columns and
    ``KEY`` replaced by ``sealing.into``; null where a row has no key (its values are not
    written at all) or nothing to seal."""
    todo = _rows(
        frame.with_columns(_text=pl.struct(sealing.columns).struct.json_encode()),
        pl.col(KEY).is_not_null() & ~pl.all_horizontal(pl.col(sealing.columns).is_null()),
    )
    sealed = [
        _seal(bytes.fromhex(key), bound, text.encode())
        for key, bound, text in zip(todo[KEY], _bound(todo, sealing), todo["_text"], strict=True)
    ]
    column = _scatter(frame.height, todo, sealed, pl.Binary()).alias(sealing.into)
    return frame.drop(*sealing.columns, KEY).with_columns(column)


def unseal(
    frame: pl.DataFrame, keys: pl.DataFrame, types: dict[str, pl.DataType], sealing: Sealing
) -> Unsealed:
    """``frame`` with ``sealing.into`` opened into ``sealing.columns`` (typed as ``types``)
    under ``keys`` (``user_id``, ``KEY``); null where a row has no key. Columns in the order of
    ``types``."""
    joined = frame.join(keys, on="user_id", how="left", maintain_order="left")
    todo = _rows(joined, pl.col(KEY).is_not_null() & pl.col(sealing.into).is_not_null())
    plain = [
        _open(bytes.fromhex(key), bound, sealed)
        for key, bound, sealed in zip(
            todo[KEY], _bound(todo, sealing), todo[sealing.into], strict=True
        )
    ]
    struct = pl.Struct({name: types[name] for name in sealing.columns})
    opened = _scatter(joined.height, todo, plain, pl.String()).str.json_decode(struct)
    unopened = int(joined[sealing.into].is_not_null().sum()) - todo.height
    return Unsealed(joined.with_columns(opened.struct.unnest()).select(list(types)), unopened)


def _rows(frame: pl.DataFrame, which: pl.Expr) -> pl.DataFrame:
    """The rows of ``frame`` to work on, with their position (``_at``): only those pay for
    Python and AES (an archive's old events have nothing to seal)."""
    return frame.with_row_index("_at").filter(which)


def _scatter(
    height: int, todo: pl.DataFrame, values: list[bytes] | list[str], dtype: pl.DataType
) -> pl.Series:
    """``values`` at the positions of ``todo``'s rows in a column of ``height`` nulls."""
    column = pl.repeat(None, height, dtype=dtype, eager=True)
    if todo.height:
        column = column.scatter(todo["_at"], pl.Series(values, dtype=dtype))
    return column


def _bound(frame: pl.DataFrame, sealing: Sealing) -> list[bytes]:
    """Each row's associated data: its ``sealing.bound`` values joined by a unit separator."""
    parts = frame.select(pl.concat_str(pl.col(sealing.bound).cast(pl.String), separator="\x1f"))
    return [text.encode() for text in parts.to_series()]


def _seal(key: bytes, bound: bytes, plaintext: bytes) -> bytes:
    nonce = hmac.new(key, bound + b"\x1f" + plaintext, hashlib.sha256).digest()[:NONCE_BYTES]
    return nonce + AESGCM(key).encrypt(nonce, plaintext, bound)


def _open(key: bytes, bound: bytes, sealed: bytes) -> str:
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], bound).decode()
    except InvalidTag as exc:
        raise InputRejected(
            "an archived row's sealed columns do not open with its participant's key: the "
            "archive was altered or belongs to another store",
            code="invalid_archive",
        ) from exc
