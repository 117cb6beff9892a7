"""The impact report's inputs from the store: each read in chunks of ``chunk_rows`` rows.

Why a class: ``reports.impact`` asks an ``Inputs`` for frames and does not know whether they
come from the store or from the archive (``reports.archive.ArchiveInputs``); this one wraps a
bulk connection whose snapshot transaction the caller holds (``store.uow.bulk_snapshot``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import polars as pl

from saxaul.store.bulk import BulkConnection
from saxaul.store.report_reads import InputName, Range, read


@dataclass(frozen=True, slots=True)
class StoreInputs:
    """Chunks of at most ``chunk_rows`` rows read from the store."""

    bulk: BulkConnection
    chunk_rows: int

    def frames(
        self, name: InputName, where: Range | None, kinds: Sequence[str] = ()
    ) -> Iterator[pl.LazyFrame]:
        for chunk in read(self.bulk, name, where, self.chunk_rows, kinds=kinds):
            yield chunk.lazy()
