"""Signed documents: seal a JSON document with the instance key, verify one offline.

Why one module for every signed file: a tree certificate and a personal carbon statement are
checked the same way — by someone holding only the file and, to be sure of the signer, the
instance's public key — so they share one format and one verifier, parameterised by the name of
the top-level field that holds the content and the format id the content must declare
(``SealedKind``). A new kind of signed document is a new ``SealedKind``, never a copy of this.

Why a file that must be its own canonical form: the signature covers the canonical bytes of the
content, and ``verify`` refuses a file that is not byte for byte the canonical JSON of
``{<field>: …, "signature": …}`` and one ``\\n``. So any changed byte fails — a space as much
as a digit — with a reason: not canonical, a signature that does not match the content, or (with
a pinned key) a file signed by another key. This module needs no database, server or clock.

The signature block: ``{"alg": "Ed25519", "key_id": <SHA-256 of the raw public key, base64url,
first 16 characters>, "public_key": <raw 32 bytes, base64url without padding>, "value": <the
64-byte signature, base64url without padding>}``. Base64url text must be the one encoding of
its bytes (no padding, no stray bits), or a changed last character could decode to the same
signature.

Example: ``kind = SealedKind("statement", "saxaul-carbon-statement/1", StatementInvalid)``;
``data = seal(kind, doc, keys.sign, keys.public_key)``; ``verify(kind, data).content == doc``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from saxaul.domain.canonical_json import NotCanonicalValue, canonical, parse_strict
from saxaul.domain.errors import DomainError

ALG = "Ed25519"
PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64
SIGNATURE_FIELD = "signature"


class SealInvalid(DomainError):
    """A signed file that is not genuine; ``detail`` says why. Each kind has its subclass."""

    code = "seal_invalid"


@dataclass(frozen=True, slots=True)
class SealedKind:
    """One kind of signed document: the field holding its content, the format id that content
    declares in its ``format`` field, and the error a file of this kind is refused with."""

    field: str
    format_id: str
    invalid: type[SealInvalid]


@dataclass(frozen=True, slots=True)
class Sealed:
    """A genuine document: its content and the key that signed it."""

    content: Mapping[str, Any]
    key_id: str
    public_key: bytes


def b64url(data: bytes) -> str:
    """Base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def from_b64url(text: str, size: int, what: str, invalid: type[SealInvalid] = SealInvalid) -> bytes:
    """The ``size`` bytes ``text`` encodes, refusing every other spelling of them."""
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise invalid(f"the {what} is not base64url") from exc
    if len(data) != size or b64url(data) != text:
        raise invalid(f"the {what} is not {size} bytes in canonical base64url")
    return data


def key_id(public_key: bytes) -> str:
    """The short name of a public key: its SHA-256, base64url, first 16 characters (as
    ``InstanceKeys.key_id``)."""
    return base64.urlsafe_b64encode(hashlib.sha256(public_key).digest()).decode()[:16]


def public_key_pem(public_key: bytes) -> str:
    """The raw public key as SubjectPublicKeyInfo PEM."""
    return (
        Ed25519PublicKey.from_public_bytes(public_key)
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def parse_public_key(text: str, invalid: type[SealInvalid] = SealInvalid) -> bytes:
    """A public key given as PEM, or as its raw 32 bytes in base64url or base64."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(text.encode("ascii"))
        except (ValueError, UnicodeEncodeError) as exc:
            raise invalid("the pinned public key is not a PEM public key") from exc
        if not isinstance(key, Ed25519PublicKey):
            raise invalid("the pinned public key is not an Ed25519 key")
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    try:
        data = base64.b64decode(text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise invalid("the pinned public key is neither PEM nor base64") from exc
    if len(data) != PUBLIC_KEY_BYTES:
        raise invalid(f"the pinned public key is not {PUBLIC_KEY_BYTES} bytes")
    return data


def seal(
    kind: SealedKind,
    content: Mapping[str, Any],
    sign: Callable[[bytes], bytes],
    public_key: bytes,
) -> bytes:
    """The signed file of ``content``: canonical JSON and one ``\\n``."""
    signature = {
        "alg": ALG,
        "key_id": key_id(public_key),
        "public_key": b64url(public_key),
        "value": b64url(sign(canonical(content))),
    }
    return canonical({kind.field: content, SIGNATURE_FIELD: signature}) + b"\n"


def verify(kind: SealedKind, data: bytes, pinned: bytes | None = None) -> Sealed:
    """The content of ``data`` if it is a genuine file of ``kind``; else ``kind.invalid`` with
    why.

    ``pinned``: the raw public key expected; without it, the embedded key is trusted, which
    proves only that the file is unchanged since someone holding that key signed it — compare
    its ``key_id`` with the one the instance publishes (``GET /v1/certificates/public-key``).
    """
    noun, invalid = kind.field, kind.invalid
    document = _canonical_document(kind, data)
    content, signature = document[noun], document[SIGNATURE_FIELD]
    if signature.get("alg") != ALG:
        raise invalid(f"the signature algorithm is not {ALG}")
    public_key = from_b64url(
        _text(kind, signature, "public_key"), PUBLIC_KEY_BYTES, "public key", invalid
    )
    if _text(kind, signature, "key_id") != key_id(public_key):
        raise invalid("the key id does not name the embedded public key")
    if pinned is not None and pinned != public_key:
        raise invalid(
            f"signed by another key ({signature['key_id']}), not the pinned {key_id(pinned)}"
        )
    value = from_b64url(_text(kind, signature, "value"), SIGNATURE_BYTES, "signature", invalid)
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(value, canonical(content))
    except InvalidSignature as exc:
        raise invalid(f"the signature does not match the content: the {noun} was changed") from exc
    if content.get("format") != kind.format_id:
        raise invalid(f"not a {kind.format_id} {noun}")
    return Sealed(content, signature["key_id"], public_key)


def _canonical_document(kind: SealedKind, data: bytes) -> dict[str, Any]:
    noun, invalid = kind.field, kind.invalid
    try:
        document = parse_strict(data)
        again = canonical(document) + b"\n"
    except (UnicodeDecodeError, ValueError, NotCanonicalValue, RecursionError) as exc:
        raise invalid(f"not canonical: not a JSON {noun} file ({exc})") from exc
    if again != data:
        raise invalid(
            "not canonical: the file differs from its canonical JSON form "
            f"(first difference at byte {_first_difference(again, data)})"
        )
    if (
        not isinstance(document, dict)
        or set(document) != {noun, SIGNATURE_FIELD}
        or not isinstance(document[noun], dict)
        or not isinstance(document[SIGNATURE_FIELD], dict)
    ):
        raise invalid(f"not a {noun}: expected {noun} and {SIGNATURE_FIELD}")
    return document


def _first_difference(a: bytes, b: bytes) -> int:
    return next(
        (n for n, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )


def _text(kind: SealedKind, block: Mapping[str, Any], name: str) -> str:
    value = block.get(name)
    if not isinstance(value, str):
        raise kind.invalid(f"the signature has no {name}")
    return value
