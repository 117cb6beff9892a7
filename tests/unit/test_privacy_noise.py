"""The discrete Laplace mechanism: its distribution, and the clamp at zero."""

from __future__ import annotations

import math
import random
from collections import Counter

import pytest

from saxaul.domain.privacy import discrete_laplace, noisy_count


@pytest.mark.parametrize("scale", [0.5, 3.0, 40.0])
def test_noise_has_the_two_sided_geometric_distribution(scale: float) -> None:
    rng = random.Random(2016)
    draws = [discrete_laplace(scale, rng) for _ in range(40_000)]
    alpha = math.exp(-1 / scale)
    variance = 2 * alpha / (1 - alpha) ** 2  # of the difference of two geometrics
    mean = sum(draws) / len(draws)
    assert abs(mean) < 5 * math.sqrt(variance / len(draws))
    observed = sum(z * z for z in draws) / len(draws)
    assert observed == pytest.approx(variance, rel=0.06)
    # P(z) ∝ α^|z|: neighbouring values keep the ratio the privacy proof rests on (checked
    # where each value is drawn thousands of times, so sampling error stays within 8 %)
    counts = Counter(draws)
    if counts[0] > 3_000:
        assert counts[1] / counts[0] == pytest.approx(alpha, rel=0.08)
        assert counts[-1] / counts[0] == pytest.approx(alpha, rel=0.08)


def test_a_noisy_count_is_never_negative_and_small_budgets_blur_more() -> None:
    rng = random.Random(7)
    assert min(noisy_count(0, sensitivity=1, epsilon=0.1, rng=rng) for _ in range(500)) == 0
    tight = [noisy_count(1000, sensitivity=1, epsilon=5, rng=rng) - 1000 for _ in range(2000)]
    loose = [noisy_count(1000, sensitivity=6, epsilon=0.5, rng=rng) - 1000 for _ in range(2000)]
    assert sum(map(abs, tight)) < sum(map(abs, loose)) / 20


def test_the_scale_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        discrete_laplace(0, random.Random(1))
