"""Crypto-shredding of the archive's personal columns: sealed per participant with their own
data key, which lives only in the store (``personal_keys``), never in the archive.

Why: a Parquet archive is an immutable file that gets copied and backed up, so no erasure can
rewrite every copy; instead each participant's demographics are written encrypted under their
key, and erasure deletes the key — every copy of every archive is then unreadable for that
person, and for them only. Reading an archive with the store's keys gives the demographics back;
without a key (erased, or an archive read without its store) they are unknown.

How: the demographics (``PERSONAL``) are one JSON object per row, sealed with AES-256-GCM under
the participant's key, the user id bound as associated data (a sealed value cannot be moved to
another row). The nonce is synthetic — the first 12 bytes of HMAC-SHA256(key, user id, the
plaintext) — so the same store exports the same bytes (the archive's promise), and two
different plaintexts under one key never share a nonce (what would break GCM). The sealed
column is ``NONCE || ciphertext || tag``.

Example: ``seal(frame)`` → ``frame`` with ``gender``, ``birth_year``, ``province`` and
``data_key`` replaced by ``personal`` (binary); ``unseal(that, keys)`` → the three back, null
where ``keys`` has no key for the row.
"""

from __future__ import annotations

import hashlib
import hmac

import polars as pl
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from saxaul.domain.errors import InputRejected

PERSONAL = ("gender", "birth_year", "province")
"""The participants' columns an archive holds only sealed."""
SEALED = "personal"
"""The archive's column holding them."""
KEY = "data_key"
NONCE_BYTES = 12
"""GCM's standard 96-bit nonce."""


def seal(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` (``user_id``, ``PERSONAL``, ``KEY`` as hex) with ``PERSONAL`` and ``KEY``
    replaced by ``SEALED``; a row without a key gets a null (its demographics are not written
    at all)."""
    plain = frame.select(pl.struct(PERSONAL).struct.json_encode()).to_series()
    sealed = [
        None if key is None else _seal(bytes.fromhex(key), user.encode(), text.encode())
        for key, user, text in zip(frame[KEY], frame["user_id"], plain, strict=True)
    ]
    return frame.drop(*PERSONAL, KEY).with_columns(pl.Series(SEALED, sealed, dtype=pl.Binary))


def unseal(frame: pl.DataFrame, keys: pl.DataFrame, types: dict[str, pl.DataType]) -> pl.DataFrame:
    """``frame`` with ``SEALED`` opened into ``PERSONAL`` (typed as ``types``) under ``keys``
    (``user_id``, ``KEY``); null where a row has no key. Columns in the order of ``types``."""
    joined = frame.join(keys, on="user_id", how="left")
    plain = [
        None if key is None or sealed is None else _open(bytes.fromhex(key), user.encode(), sealed)
        for key, user, sealed in zip(joined[KEY], joined["user_id"], joined[SEALED], strict=True)
    ]
    struct = pl.Struct({name: types[name] for name in PERSONAL})
    opened = pl.Series("opened", plain, dtype=pl.String).str.json_decode(struct)
    return joined.with_columns(opened.struct.unnest()).select(list(types))


def _seal(key: bytes, user: bytes, plaintext: bytes) -> bytes:
    nonce = hmac.new(key, user + b"\x1f" + plaintext, hashlib.sha256).digest()[:NONCE_BYTES]
    return nonce + AESGCM(key).encrypt(nonce, plaintext, user)


def _open(key: bytes, user: bytes, sealed: bytes) -> str:
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], user).decode()
    except InvalidTag as exc:
        raise InputRejected(
            "an archived participant's sealed demographics do not open with their key: the "
            "archive was altered or belongs to another store",
            code="invalid_archive",
        ) from exc
