"""Signed certificate files: seal a certificate with the instance key, verify one offline.

The file is a sealed document (``sealed_document``) whose content sits under ``certificate``
and declares the format ``saxaul-tree-certificate/1``; this module names that kind and keeps
the certificate's own vocabulary (``CertificateInvalid``, ``Verified.certificate``). The format,
the canonical form and the signature block are ``sealed_document``'s, so a certificate file is
byte for byte what it was before statements shared the code. ``saxaul certificate verify`` and
anyone with ``cryptography`` can check a file.

Example: ``data = seal(cert, keys.sign, keys.public_key)``; ``verify(data).certificate == cert``;
``verify(data, pinned=other_key)`` → ``CertificateInvalid("signed by another key …")``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from saxaul.domain.certificates import FORMAT
from saxaul.services import sealed_document
from saxaul.services.sealed_document import (
    ALG,
    SealedKind,
    SealInvalid,
    b64url,
    key_id,
    public_key_pem,
)

__all__ = [
    "ALG",
    "CERTIFICATE",
    "CertificateInvalid",
    "Verified",
    "b64url",
    "key_id",
    "parse_public_key",
    "public_key_pem",
    "seal",
    "verify",
]


class CertificateInvalid(SealInvalid):
    """A certificate file that is not genuine; ``detail`` says why."""

    code = "certificate_invalid"


CERTIFICATE = SealedKind("certificate", FORMAT, CertificateInvalid)
"""A tree certificate: ``{"certificate": …, "signature": …}``."""


@dataclass(frozen=True, slots=True)
class Verified:
    """A genuine certificate: its content and the key that signed it."""

    certificate: Mapping[str, Any]
    key_id: str
    public_key: bytes


def parse_public_key(text: str) -> bytes:
    """A public key given as PEM, or as its raw 32 bytes in base64url or base64."""
    return sealed_document.parse_public_key(text, CertificateInvalid)


def seal(
    certificate: Mapping[str, Any], sign: Callable[[bytes], bytes], public_key: bytes
) -> bytes:
    """The signed file of ``certificate``: canonical JSON and one ``\\n``."""
    return sealed_document.seal(CERTIFICATE, certificate, sign, public_key)


def verify(data: bytes, pinned: bytes | None = None) -> Verified:
    """The certificate in ``data`` if it is genuine; else ``CertificateInvalid`` with why
    (``sealed_document.verify``: without ``pinned``, the embedded key is trusted)."""
    sealed = sealed_document.verify(CERTIFICATE, data, pinned)
    return Verified(sealed.content, sealed.key_id, sealed.public_key)
