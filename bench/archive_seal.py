"""Sealing an archive's event payment details, and opening them: rows per second.

What ``saxaul archive export`` adds per event with payment details (``reports.personal_seal``:
AES-256-GCM per row, in Python) and what ``saxaul score --events ARCHIVE`` pays to open them;
and the same for events whose details retention already nulled (nothing to seal: no AES, only
a vectorised null check), which most archived events are.

Run from the repository root: ``python -m bench.archive_seal [--rows N] [--users U]
[--repeat R]`` (JSON on stdout: the best of ``R`` runs per case).
"""

from __future__ import annotations

import argparse
import json
import os
import time

import polars as pl

from saxaul.reports.personal_seal import KEY, PAYMENT, seal, unseal

TYPES: dict[str, pl.DataType] = {
    "dedupe_key": pl.Int64(),
    "user_id": pl.String(),
    "amount_minor": pl.Int64(),
    "currency": pl.String(),
    "merchant_category": pl.String(),
    "attributes": pl.String(),
}


def _events(rows: int, keys: pl.DataFrame, details: bool) -> pl.DataFrame:
    users = keys.height
    frame = pl.DataFrame(
        {
            "dedupe_key": range(rows),
            "user_id": [f"u{i % users:06d}" for i in range(rows)],
            "amount_minor": [1_234 if details else None] * rows,
            "currency": ["CNY" if details else None] * rows,
            "merchant_category": ["5411" if details else None] * rows,
            "attributes": ['{"memo":"lunch"}' if details else None] * rows,
        },
        schema=TYPES,
    )
    return frame.join(keys, on="user_id", how="left", maintain_order="left")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--users", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    keys = pl.DataFrame(
        {
            "user_id": [f"u{i:06d}" for i in range(args.users)],
            KEY: [os.urandom(32).hex() for _ in range(args.users)],
        }
    )
    result: dict[str, dict[str, float]] = {}
    for case, details in (("with_details", True), ("retention_stripped", False)):
        events = _events(args.rows, keys, details)
        sealing, opening = float("inf"), float("inf")
        for _ in range(args.repeat):
            started = time.perf_counter()
            sealed = seal(events, PAYMENT)
            sealing = min(sealing, time.perf_counter() - started)
            started = time.perf_counter()
            unseal(sealed, keys, TYPES, PAYMENT)
            opening = min(opening, time.perf_counter() - started)
        result[case] = {
            "seal_rows_per_s": round(args.rows / sealing),
            "open_rows_per_s": round(args.rows / opening),
        }
    print(json.dumps({"rows": args.rows, "users": args.users, **result}, indent=2))


if __name__ == "__main__":
    main()
