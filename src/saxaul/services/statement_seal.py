"""Signed personal carbon statements: verify one offline, signature, sums and certificates.

Why more than the signature: a statement is a sealed document (``sealed_document``, content
under ``statement``, format ``saxaul-carbon-statement/1``) whose sums must also hold
(``domain.statements.inconsistency``: totals equal to the history, balls' fates to their
transfers), and each tree's certificate inside it is a signed file of its own, embedded as its
canonical JSON object — so its file is ``canonical(object) + "\\n"`` again, and must verify, signed
by the key that signed the statement. Needs no database, server or clock: ``saxaul statement
verify`` and anyone with ``cryptography`` can check a file (docs/statement.md).

Example: ``verify(data, pinned=key).statement["totals"]["energy_g"]`` → 1 234; a changed digit
→ ``StatementInvalid("the signature does not match the content: the statement was changed")``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from saxaul.domain.canonical_json import canonical
from saxaul.domain.statements import FORMAT, inconsistency
from saxaul.services import certificate_seal, sealed_document
from saxaul.services.certificate_seal import CertificateInvalid
from saxaul.services.sealed_document import SealedKind, SealInvalid


class StatementInvalid(SealInvalid):
    """A statement file that is not genuine or does not agree with itself; ``detail`` says why."""

    code = "statement_invalid"

    def __init__(self, detail: str, **fields: Any) -> None:
        # the whole file is what is wrong: a statement is checked as one signed body
        super().__init__(detail, **({"field": "body"} | fields))


STATEMENT = SealedKind("statement", FORMAT, StatementInvalid)
"""A personal carbon statement: ``{"statement": …, "signature": …}``."""


@dataclass(frozen=True, slots=True)
class VerifiedStatement:
    """A genuine, consistent statement: its content, the key that signed it, its trees'
    certificates (verified too)."""

    statement: Mapping[str, Any]
    key_id: str
    public_key: bytes
    certificates: tuple[certificate_seal.Verified, ...]


def parse_public_key(text: str) -> bytes:
    """A public key given as PEM, or as its raw 32 bytes in base64url or base64."""
    return sealed_document.parse_public_key(text, StatementInvalid)


def seal(statement: Mapping[str, Any], sign: Callable[[bytes], bytes], public_key: bytes) -> bytes:
    """The signed file of ``statement``: canonical JSON and one ``\\n``."""
    return sealed_document.seal(STATEMENT, statement, sign, public_key)


def certificate_file(embedded: Mapping[str, Any]) -> bytes:
    """The certificate file an embedded certificate object stands for, byte for byte."""
    return canonical(embedded) + b"\n"


def verify(data: bytes, pinned: bytes | None = None) -> VerifiedStatement:
    """The statement in ``data`` if it is genuine and consistent; else ``StatementInvalid``.

    ``pinned``: the raw public key expected; without it, the embedded key is trusted (compare
    its ``key_id`` with the one the issuing instance publishes).
    """
    sealed = sealed_document.verify(STATEMENT, data, pinned)
    statement = sealed.content
    why = inconsistency(statement)
    if why is not None:
        raise StatementInvalid(f"inconsistent: {why}")
    verified = []
    for tree in statement.get("trees") or ():
        embedded = tree.get("certificate") if isinstance(tree, Mapping) else None
        if embedded is None:
            continue
        if not isinstance(embedded, Mapping):
            raise StatementInvalid("inconsistent: a tree's certificate is not a signed file")
        try:
            verified.append(certificate_seal.verify(certificate_file(embedded), sealed.public_key))
        except CertificateInvalid as exc:
            raise StatementInvalid(
                f"the certificate of tree {tree.get('id')!r} does not verify: {exc.detail}"
            ) from exc
    return VerifiedStatement(statement, sealed.key_id, sealed.public_key, tuple(verified))
