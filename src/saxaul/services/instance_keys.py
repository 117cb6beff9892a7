"""The instance's own keys: the Ed25519 key that signs certificates, and secrets derived from it.

Why one key file: every server process and command of one Saxaul instance must sign with the
same key (a certificate exported by the CLI verifies against the key the API publishes), and
the webhook signing secrets must be the same in every process too. Rather than store those
secrets (the database would then hold something a reader could sign with), each is derived
from the key's seed by HMAC-SHA256 over its purpose, so a secret exists only where the key
file is, and ``SAXAUL_SIGNING_KEY_FILE`` is the one thing to back up and protect (mode 0600).

The file is created on first use (exclusively, so two processes starting together agree on
one key). A runtime built without a file (tests, benchmarks) gets a key of its own in memory.

Example: ``keys = InstanceKeys(Path("/var/lib/saxaul/signing-key.pem"))``;
``keys.sign(b"…")`` → 64 bytes; ``keys.secret("webhook:7:1")`` → 32 bytes, the same on every
process reading that file.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from saxaul.services import certificate_seal

ALGORITHM = "Ed25519"


class InstanceKeys:
    """The signing key of this instance, loaded (or created) on first use."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._key: Ed25519PrivateKey | None = None
        self._lock = threading.Lock()

    def _private(self) -> Ed25519PrivateKey:
        with self._lock:
            if self._key is None:
                self._key = _load_or_create(self.path)
            return self._key

    def sign(self, message: bytes) -> bytes:
        """The Ed25519 signature of ``message``."""
        return self._private().sign(message)

    @property
    def public_key(self) -> bytes:
        """The raw 32-byte public key."""
        return (
            self._private()
            .public_key()
            .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        )

    @property
    def key_id(self) -> str:
        """A short, stable name of the public key: its SHA-256, base64url, first 16 chars."""
        return certificate_seal.key_id(self.public_key)

    def secret(self, purpose: str) -> bytes:
        """A 32-byte secret for ``purpose``, derived from the key's seed (never stored)."""
        seed = self._private().private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        return hmac.new(seed, f"saxaul/{purpose}".encode(), hashlib.sha256).digest()


def _load_or_create(path: Path | None) -> Ed25519PrivateKey:
    if path is None:
        return Ed25519PrivateKey.generate()
    if not path.exists():
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first: use theirs
        else:
            with os.fdopen(fd, "wb") as out:
                out.write(pem)
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return loaded
