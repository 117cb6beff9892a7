"""Helpers of the end-to-end test of real trees: a receiver a live subscription may use, and
the ``saxaul certificate verify`` command run as its own process.

Why HTTPS with a throwaway certificate: a live subscription's URL must be ``https://`` (plain
``http://`` is sandbox-only, ``domain/webhooks.check_url``), and the tree of this story is live
(the test's settings allow 127.0.0.1, ``SAXAUL_WEBHOOKS_ALLOWED_NETWORKS``).
So the receiver serves TLS with a self-signed certificate for 127.0.0.1, and the test trusts it
through ``SSL_CERT_FILE``, which the standard library's default context (the dispatcher's
``urllib``) reads when it opens a connection: the dispatcher runs unchanged, certificate
checks on.

Example: ``tls = trusted_tls(tmp_path, monkeypatch)``, then ``with receiver(tls=tls) as got:``
→ ``got.url == "https://127.0.0.1:<port>/hooks"``.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

SRC = Path(__file__).resolve().parents[2] / "src"
"""This checkout's sources, so the command runs the code under test."""


def trusted_tls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ssl.SSLContext:
    """A server context for 127.0.0.1 with a new self-signed certificate, which this process
    alone trusts (``SSL_CERT_FILE``) until the test ends."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file = tmp_path / "receiver-cert.pem"
    key_file = tmp_path / "receiver-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context


def verify_command(
    file: Path, public_key: str, offline_url: str
) -> subprocess.CompletedProcess[str]:
    """``saxaul certificate verify FILE --public-key KEY`` in a new process whose database
    (``offline_url``) does not exist: checking a certificate must need none."""
    env = os.environ | {
        "SAXAUL_DATABASE_URL": offline_url,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
        "COLUMNS": "200",
    }
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "saxaul",
            "certificate",
            "verify",
            str(file),
            "--public-key",
            public_key,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
