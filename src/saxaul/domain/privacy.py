"""Differentially private counts: discrete Laplace noise scaled to what one person can change.

Why the discrete Laplace (two-sided geometric) mechanism: the impact report publishes counts of
people; adding an integer drawn with P(z) ∝ exp(−ε·|z|/Δ) to a count that one person can change
by at most Δ makes the published count ε-differentially private (Ghosh, Roughgarden and
Sundararajan, "Universally utility-maximizing privacy mechanisms", STOC 2009), keeps it an
integer, and clamping the result at 0 afterwards is post-processing, which costs no privacy.

The randomness is the caller's: the report draws from the operating system's generator, which
no one can replay; a test passes a seeded ``random.Random``.

Example: ``noisy_count(120, sensitivity=6, epsilon=0.5, rng=random.Random(1))`` → an integer
near 120, typically within ±24 (the scale is Δ/ε = 12).
"""

from __future__ import annotations

import math
import random


def discrete_laplace(scale: float, rng: random.Random) -> int:
    """An integer z with P(z) ∝ exp(−|z| / scale): the difference of two geometric draws."""
    if scale <= 0:
        raise ValueError(f"the noise scale must be positive, not {scale}")
    log_alpha = -1.0 / scale  # ln α, α = exp(−1/scale), the geometric's ratio

    def geometric() -> int:
        # failures before the first success, success probability 1 − α
        return math.floor(math.log(1.0 - rng.random()) / log_alpha)

    return geometric() - geometric()


def noisy_count(count: int, *, sensitivity: int, epsilon: float, rng: random.Random) -> int:
    """``count`` with ε-DP noise for a release in which one person changes at most
    ``sensitivity`` counts by one each, clamped at 0."""
    return max(0, count + discrete_laplace(sensitivity / epsilon, rng))
