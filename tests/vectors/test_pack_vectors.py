"""Every shipped pack's test vectors, through the scalar reference AND the Polars kernel.

A vector fixes the grams a short history of one user must earn; both scorers must credit
exactly that many milligrams (see ``saxaul.scoring.verify``).
"""

from __future__ import annotations

import pytest

from saxaul.domain.methodology import Pack, TestVector
from saxaul.scoring.verify import verify_vector

registry = pytest.importorskip(
    "saxaul.methodology.registry",
    reason="saxaul.methodology.registry.shipped_packs() is not importable yet",
)

CASES = [(pack, vector) for pack in registry.shipped_packs() for vector in pack.vectors]


def test_packs_ship_vectors() -> None:
    assert CASES, "no shipped pack has test vectors"


@pytest.mark.parametrize(
    ("pack", "vector"), CASES, ids=[f"{pack.ref}:{vector.id}" for pack, vector in CASES]
)
def test_vector(pack: Pack, vector: TestVector) -> None:
    outcome = verify_vector(pack, vector)

    assert outcome.reference_g == outcome.kernel_g, "the two scorers disagree"
    assert outcome.reference_g == vector.expected_total_g, vector.note
    assert outcome.ok
