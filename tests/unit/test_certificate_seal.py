"""Signed certificate files verified offline: any changed byte fails, with a reason."""

from __future__ import annotations

import json

import pytest

from saxaul.domain.certificates import FORMAT
from saxaul.services.certificate_seal import (
    CertificateInvalid,
    b64url,
    parse_public_key,
    public_key_pem,
    seal,
    verify,
)
from saxaul.services.instance_keys import InstanceKeys

CERT = {
    "format": FORMAT,
    "number": "SX-t1",
    "tree": {"id": "t1", "cost_g": 17_900, "species": {"name_zh": "梭梭", "name_en": "Saxaul"}},
    "funding": [{"seq": 12, "amount_g": 17_900, "energy": [{"award": "7", "grams": 156}]}],
}
KEYS = InstanceKeys()
DATA = seal(CERT, KEYS.sign, KEYS.public_key)


def test_a_sealed_file_is_canonical_and_verifies() -> None:
    verified = verify(DATA, pinned=KEYS.public_key)

    assert verified.certificate == CERT and verified.key_id == KEYS.key_id
    assert DATA.endswith(b"}\n") and b" " not in DATA.replace("梭梭".encode(), b"")
    assert seal(CERT, KEYS.sign, KEYS.public_key) == DATA  # Ed25519 is deterministic


@pytest.mark.parametrize("at", range(0, len(DATA), 7))
def test_flipping_any_byte_fails(at: int) -> None:
    changed = bytearray(DATA)
    changed[at] ^= 0x01

    with pytest.raises(CertificateInvalid) as refused:
        verify(bytes(changed))

    assert refused.value.detail


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (lambda d: d.replace(b'"cost_g":17900', b'"cost_g":17901'), "signature does not match"),
        (lambda d: d.replace(b'"grams":156', b'"grams":157'), "signature does not match"),
        (lambda d: d.replace(b":", b": ", 1), "not canonical"),
        (lambda d: d + b"\n", "not canonical"),
        (lambda d: d[:-1], "not canonical"),
        (lambda d: json.dumps(json.loads(d), indent=1).encode() + b"\n", "not canonical"),
    ],
)
def test_a_changed_file_fails_with_its_reason(edit, reason: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CertificateInvalid, match=reason):
        verify(edit(DATA))


def test_a_file_resigned_with_another_key_verifies_only_unpinned() -> None:
    forger = InstanceKeys()
    forged = seal({**CERT, "number": "SX-t2"}, forger.sign, forger.public_key)

    assert verify(forged).key_id == forger.key_id
    with pytest.raises(CertificateInvalid, match="signed by another key"):
        verify(forged, pinned=KEYS.public_key)


def test_a_swapped_public_key_fails() -> None:
    other = InstanceKeys()
    swapped = DATA.replace(b64url(KEYS.public_key).encode(), b64url(other.public_key).encode())

    with pytest.raises(CertificateInvalid, match="key id"):
        verify(swapped)
    with pytest.raises(CertificateInvalid, match="signed by another key"):
        verify(swapped.replace(KEYS.key_id.encode(), other.key_id.encode()), KEYS.public_key)


def test_a_pinned_key_may_be_pem_or_base64() -> None:
    raw = KEYS.public_key

    assert parse_public_key(public_key_pem(raw)) == raw
    assert parse_public_key(b64url(raw)) == raw
    with pytest.raises(CertificateInvalid):
        parse_public_key("not a key")
