"""Signed certificate files: seal a certificate with the instance key, verify one offline.

Why a file that must be its own canonical form: the signature covers the canonical bytes of
``certificate``, and ``verify`` refuses a file that is not byte for byte the canonical JSON of
``{"certificate": …, "signature": …}`` and one ``\\n``. So any changed byte fails — a space as
much as a digit — with a reason: not canonical, a signature that does not match the content, or
(with a pinned key) a file signed by another key. This module needs no database, server or
clock: ``saxaul certificate verify`` and anyone with ``cryptography`` can check a file.

The signature block: ``{"alg": "Ed25519", "key_id": <SHA-256 of the raw public key, base64url,
first 16 characters>, "public_key": <raw 32 bytes, base64url without padding>, "value": <the
64-byte signature, base64url without padding>}``. Base64url text must be the one encoding of
its bytes (no padding, no stray bits), or a changed last character could decode to the same
signature.

Example: ``data = seal(cert, keys.sign, keys.public_key)``; ``verify(data).certificate == cert``;
``verify(data, pinned=other_key)`` → ``CertificateInvalid("signed by another key …")``.
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
from saxaul.domain.certificates import FORMAT
from saxaul.domain.errors import DomainError

ALG = "Ed25519"
PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64


class CertificateInvalid(DomainError):
    """A certificate file that is not genuine; ``detail`` says why."""

    code = "certificate_invalid"


@dataclass(frozen=True, slots=True)
class Verified:
    """A genuine certificate: its content and the key that signed it."""

    certificate: Mapping[str, Any]
    key_id: str
    public_key: bytes


def b64url(data: bytes) -> str:
    """Base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def from_b64url(text: str, size: int, what: str) -> bytes:
    """The ``size`` bytes ``text`` encodes, refusing every other spelling of them."""
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise CertificateInvalid(f"the {what} is not base64url") from exc
    if len(data) != size or b64url(data) != text:
        raise CertificateInvalid(f"the {what} is not {size} bytes in canonical base64url")
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


def parse_public_key(text: str) -> bytes:
    """A public key given as PEM, or as its raw 32 bytes in base64url or base64."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(text.encode("ascii"))
        except (ValueError, UnicodeEncodeError) as exc:
            raise CertificateInvalid("the pinned public key is not a PEM public key") from exc
        if not isinstance(key, Ed25519PublicKey):
            raise CertificateInvalid("the pinned public key is not an Ed25519 key")
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    try:
        data = base64.b64decode(text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise CertificateInvalid("the pinned public key is neither PEM nor base64") from exc
    if len(data) != PUBLIC_KEY_BYTES:
        raise CertificateInvalid(f"the pinned public key is not {PUBLIC_KEY_BYTES} bytes")
    return data


def seal(
    certificate: Mapping[str, Any], sign: Callable[[bytes], bytes], public_key: bytes
) -> bytes:
    """The signed file of ``certificate``: canonical JSON and one ``\\n``."""
    signature = {
        "alg": ALG,
        "key_id": key_id(public_key),
        "public_key": b64url(public_key),
        "value": b64url(sign(canonical(certificate))),
    }
    return canonical({"certificate": certificate, "signature": signature}) + b"\n"


def verify(data: bytes, pinned: bytes | None = None) -> Verified:
    """The certificate in ``data`` if it is genuine; else ``CertificateInvalid`` with why.

    ``pinned``: the raw public key expected; without it, the embedded key is trusted, which
    proves only that the file is unchanged since someone holding that key signed it — compare
    its ``key_id`` with the one the instance publishes (``GET /v1/certificates/public-key``).
    """
    document = _canonical_document(data)
    certificate, signature = document["certificate"], document["signature"]
    if signature.get("alg") != ALG:
        raise CertificateInvalid(f"the signature algorithm is not {ALG}")
    public_key = from_b64url(_text(signature, "public_key"), PUBLIC_KEY_BYTES, "public key")
    if _text(signature, "key_id") != key_id(public_key):
        raise CertificateInvalid("the key id does not name the embedded public key")
    if pinned is not None and pinned != public_key:
        raise CertificateInvalid(
            f"signed by another key ({signature['key_id']}), not the pinned {key_id(pinned)}"
        )
    value = from_b64url(_text(signature, "value"), SIGNATURE_BYTES, "signature")
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(value, canonical(certificate))
    except InvalidSignature as exc:
        raise CertificateInvalid(
            "the signature does not match the content: the certificate was changed"
        ) from exc
    if certificate.get("format") != FORMAT:
        raise CertificateInvalid(f"not a {FORMAT} certificate")
    return Verified(certificate, signature["key_id"], public_key)


def _canonical_document(data: bytes) -> dict[str, Any]:
    try:
        document = parse_strict(data)
        again = canonical(document) + b"\n"
    except (UnicodeDecodeError, ValueError, NotCanonicalValue, RecursionError) as exc:
        raise CertificateInvalid(f"not canonical: not a JSON certificate file ({exc})") from exc
    if again != data:
        raise CertificateInvalid(
            "not canonical: the file differs from its canonical JSON form "
            f"(first difference at byte {_first_difference(again, data)})"
        )
    if (
        not isinstance(document, dict)
        or set(document) != {"certificate", "signature"}
        or not isinstance(document["certificate"], dict)
        or not isinstance(document["signature"], dict)
    ):
        raise CertificateInvalid("not a certificate: expected certificate and signature")
    return document


def _first_difference(a: bytes, b: bytes) -> int:
    return next(
        (n for n, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )


def _text(block: Mapping[str, Any], name: str) -> str:
    value = block.get(name)
    if not isinstance(value, str):
        raise CertificateInvalid(f"the signature has no {name}")
    return value
