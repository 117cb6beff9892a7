"""A synthetic, pseudonymous population shaped like the 2017 pilot's participants.

Why synthetic: the demo, the tests and the benchmark need realistic volume and skew without
anyone's data. Shapes (not values) follow the seed report's tables 2–6: young adults dominate,
women slightly outnumber men, coastal provinces lead. Activity is Zipf-skewed so a few "hot"
users produce many events, as real payment data does.

Example: ``population(1_000, seed=7)`` → a frame of 1 000 rows: user_id ``p0000001``…,
enrolled_at, consent (``true`` for ~95 %), gender, birth_year, province, activity weight.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

PROVINCES: tuple[tuple[str, float], ...] = (
    ("Guangdong", 12.6),
    ("Shandong", 7.2),
    ("Henan", 7.0),
    ("Jiangsu", 6.0),
    ("Sichuan", 5.9),
    ("Hebei", 5.3),
    ("Hunan", 4.7),
    ("Zhejiang", 4.6),
    ("Anhui", 4.3),
    ("Hubei", 4.1),
    ("Guangxi", 3.6),
    ("Yunnan", 3.3),
    ("Jiangxi", 3.2),
    ("Liaoning", 3.0),
    ("Fujian", 2.9),
    ("Shaanxi", 2.8),
    ("Guizhou", 2.7),
    ("Shanxi", 2.5),
    ("Chongqing", 2.3),
    ("Heilongjiang", 2.2),
    ("Xinjiang", 1.8),
    ("Shanghai", 1.8),
    ("Gansu", 1.8),
    ("Inner Mongolia", 1.7),
    ("Jilin", 1.7),
    ("Beijing", 1.5),
    ("Tianjin", 1.0),
    ("Hainan", 0.7),
    ("Ningxia", 0.5),
    ("Qinghai", 0.4),
    ("Tibet", 0.3),
)
GENDERS: tuple[tuple[str, float], ...] = (
    ("female", 0.52),
    ("male", 0.46),
    ("other", 0.005),
    ("unknown", 0.015),
)
CONSENT: tuple[tuple[str, float], ...] = (
    ("true", 0.95),
    ("false", 0.03),
    ("reports", 0.02),
)


def _pick(rng: np.random.Generator, table: tuple[tuple[str, float], ...], n: int) -> np.ndarray:
    names = np.array([name for name, _ in table])
    weights = np.array([weight for _, weight in table], dtype=float)
    return rng.choice(names, size=n, p=weights / weights.sum())


def population(users: int, *, seed: int, start: dt.date, first_id: int = 1) -> pl.DataFrame:
    """``users`` participants enrolled over the 30 days before ``start`` (Asia/Shanghai),
    numbered from ``first_id`` so a later wave does not reuse an earlier one's ids."""
    rng = np.random.default_rng(seed)
    ids = [f"p{i:07d}" for i in range(first_id, first_id + users)]
    first = dt.datetime.combine(start - dt.timedelta(days=30), dt.time(), dt.UTC)
    offsets = rng.integers(0, 30 * 86_400, size=users)
    enrolled = [
        (first + dt.timedelta(seconds=int(s))).astimezone(dt.timezone(dt.timedelta(hours=8)))
        for s in offsets
    ]
    birth_year = np.clip(np.round(rng.normal(1990, 9, size=users)), 1940, 2008).astype(int)
    activity = rng.zipf(1.6, size=users).astype(float)
    return pl.DataFrame(
        {
            "user_id": ids,
            "enrolled_at": [t.isoformat() for t in enrolled],
            "consent": _pick(rng, CONSENT, users),
            "gender": _pick(rng, GENDERS, users),
            "birth_year": birth_year,
            "province": _pick(rng, PROVINCES, users),
            "activity": np.minimum(activity, 50.0),
        }
    )
