"""Shapes of the certificate routes: the public key certificates are signed with."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from saxaul.api.schemas.game import ViewOut


class PublicKeyOut(ViewOut):
    """The instance's certificate signing key, to verify a certificate file against."""

    alg: Literal["Ed25519"]
    key_id: str = Field(description="SHA-256 of the raw key, base64url, first 16 characters.")
    public_key: str = Field(description="The raw 32-byte key, base64url without padding.")
    pem: str = Field(description="The same key as SubjectPublicKeyInfo PEM.")
