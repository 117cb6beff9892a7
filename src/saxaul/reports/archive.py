"""The Parquet archive of the impact report's inputs: written from the store, scanned lazily.

Why: an archive of past months can be kept (and the report recomputed from it) without the
store that produced it; the report reads it with ``pl.scan_parquet`` and the streaming engine,
through the same rules as the store (``reports.impact``), so both give the same document.

Layout (``FORMAT_VERSION`` 3)::

    DIR/manifest.json                                   format, zone, rows, sha256 per file,
                                                        the liability pipeline's snapshot
    DIR/awards/month=YYYY-MM/part-NNNNN.parquet         by the award's local day
    DIR/events/month=YYYY-MM/part-NNNNN.parquet         by the event's local day (payment
                                                        details sealed)
    DIR/transfers/month=YYYY-MM/part-NNNNN.parquet      by the transfer's local month (zone)
    DIR/participants/part-NNNNN.parquet                 whole (demographics sealed)
    DIR/trees/part-NNNNN.parquet                        whole

Why some tables are whole: awards, events and transfers are append-only facts, so a month once
written stays true; participants (consent, withdrawal) and trees (status, promise) change, so
they are replaced by every export. Each part file is one chunk of ``chunk_rows`` rows read in
key order, so memory holds one chunk and the same store writes the same bytes. Re-exporting
replaces the months it writes (staged beside them, then swapped in) and keeps the others; the
manifest is written last.

Why the archive can be rescored (format 3): old event partitions of the store are archived and
then dropped, so the archive is the only copy of those events; it keeps what the scoring kernel
reads (``quantity``, the stored ``credited_mg``, the payment details) and the participants'
consent (``consent_scopes``, ``consent_at_us``, ``withdrawn_at_us``), so ``saxaul score
--events DIR`` restates years of events exactly. Format 2 archives (report columns only) are
still read by the report; scoring refuses them (re-export from a store that holds the events).

Why personal columns are sealed: an archive is copied beyond any erasure's reach, so each
participant's demographics, and each event's payment details and free attributes, are encrypted
with the participant's own key, kept only in the store; erasing them deletes the key
(``reports.personal_seal``). ``ArchiveInputs`` opens them with the store's keys; without one
they read as unknown. Retention already nulls the payment details of events older than
``SAXAUL_RAW_EVENT_RETENTION_DAYS`` in the store, so most archived events have none to seal.

Example: ``export(bulk, Path("var/archive"), before=Cutoff(739921, 1_766_000_000_000_000),
zone="Asia/Shanghai", chunk_rows=500_000, pipeline=…)`` → the manifest as written.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from saxaul.domain.errors import InputRejected
from saxaul.reports.impact import REPORTED_KINDS
from saxaul.reports.personal_seal import (
    DEMOGRAPHICS,
    KEY,
    PAYMENT,
    Sealing,
    Unsealed,
    seal,
    unseal,
)
from saxaul.store.bulk import BulkConnection
from saxaul.store.report_reads import INPUTS, InputName, Range, read, schema

FORMAT_VERSION = 3
READABLE = (2, 3)
"""The formats the report reads: format 2 lacks only what rescoring needs."""
RESCORABLE = 3
"""The first format whose events can be scored again."""
MANIFEST = "manifest.json"
PARTITIONED: dict[InputName, str] = {"awards": "day", "events": "day", "transfers": "at_us"}
"""Append-only inputs, by the column whose local month partitions them."""
UNIX_EPOCH_ORDINAL = 719_163
"""``datetime.date(1970, 1, 1).toordinal()``: a day ordinal minus this is a Polars date."""
KeyLookup = Callable[[pl.Series], pl.DataFrame]
"""The store's data keys (``user_id``, ``data_key`` as hex) of some user ids; absent: no key."""
SEALED: dict[InputName, Sealing] = {"participants": DEMOGRAPHICS, "events": PAYMENT}
"""The inputs with personal columns, archived only sealed."""


@dataclass(frozen=True, slots=True)
class Cutoff:
    """Export only facts before a local date: its ordinal and its first instant."""

    label: str
    day: int
    at_us: int


def export(
    bulk: BulkConnection,
    out: Path,
    *,
    before: Cutoff | None,
    zone: str,
    chunk_rows: int,
    pipeline: dict[str, Any],
) -> dict[str, Any]:
    """Write every input to ``out`` (see the module) and return the new manifest."""
    out.mkdir(parents=True, exist_ok=True)
    old = _read_manifest(out, (FORMAT_VERSION,)) if (out / MANIFEST).exists() else None
    files: dict[str, dict[str, Any]] = dict(old["files"]) if old else {}
    for name in INPUTS:
        column = PARTITIONED.get(name)
        where = None
        if column is not None and before is not None:
            where = Range(column, None, before.day if column == "day" else before.at_us)
        chunks = read(
            bulk,
            name,
            where,
            chunk_rows,
            kinds=REPORTED_KINDS if name == "transfers" else (),
            ordered=True,
            archived=True,
        )
        sealing = SEALED.get(name)
        if sealing is not None:
            chunks = (seal(chunk, sealing) for chunk in chunks)
        month = None if column is None else _month(column, zone)
        replaced, written = _write(out, name, chunks, month)
        files = {p: f for p, f in files.items() if not p.startswith(replaced)} | written
    manifest = {
        "format_version": FORMAT_VERSION,
        "zone": zone,
        "last_export": {"before": None if before is None else before.label},
        "tables": {name: _table_summary(name, files) for name in INPUTS},
        "files": dict(sorted(files.items())),
        "pipeline": pipeline,
    }
    staged = out / f".{MANIFEST}.tmp"
    staged.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", "utf-8")
    staged.replace(out / MANIFEST)
    return manifest


def _month(column: str, zone: str) -> pl.Expr:
    """The local month ``YYYY-MM`` of a day ordinal or of an instant in ``zone``."""
    if column == "day":
        date = (pl.col(column) - UNIX_EPOCH_ORDINAL).cast(pl.Date)
    else:
        date = pl.from_epoch(column, time_unit="us").dt.replace_time_zone("UTC")
        date = date.dt.convert_time_zone(zone)
    return date.dt.strftime("%Y-%m")


def _write(
    out: Path, name: InputName, chunks: Iterator[pl.DataFrame], month: pl.Expr | None
) -> tuple[tuple[str, ...], dict[str, dict[str, Any]]]:
    """Stage ``chunks`` as part files, then swap them in; return the path prefixes replaced
    and the new files (path → rows, sha256)."""
    staging = out / f".staging-{name}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    written: dict[str, dict[str, Any]] = {}
    for index, chunk in enumerate(chunks):
        if chunk.is_empty():
            continue
        if month is None:
            parts = {"": chunk}
        else:
            grouped = chunk.with_columns(month=month).partition_by("month", as_dict=True)
            parts = {
                f"month={key[0]}/": part.drop("month") for key, part in sorted(grouped.items())
            }
        for folder, part in parts.items():
            path = staging / folder / f"part-{index:05d}.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            part.write_parquet(path, compression="zstd", statistics=True)
            written[f"{name}/{folder}{path.name}"] = {"rows": part.height, "sha256": _sha256(path)}
    if month is None:
        shutil.rmtree(out / name, ignore_errors=True)
        staging.rename(out / name)
        replaced: tuple[str, ...] = (f"{name}/",)
    else:
        (out / name).mkdir(exist_ok=True)
        folders = sorted(p.name for p in staging.iterdir())
        for folder in folders:
            shutil.rmtree(out / name / folder, ignore_errors=True)
            (staging / folder).rename(out / name / folder)
        staging.rmdir()
        replaced = tuple(f"{name}/{folder}/" for folder in folders)
    return replaced, written


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _table_summary(name: InputName, files: dict[str, dict[str, Any]]) -> dict[str, Any]:
    mine = {p: f for p, f in files.items() if p.startswith(f"{name}/")}
    summary: dict[str, Any] = {
        "partitioned_by": "month" if name in PARTITIONED else None,
        "rows": sum(f["rows"] for f in mine.values()),
    }
    if name in PARTITIONED:
        months: dict[str, int] = {}
        for path, f in mine.items():
            key = path.split("/")[1].removeprefix("month=")
            months[key] = months.get(key, 0) + f["rows"]
        summary["months"] = dict(sorted(months.items()))
    return summary


def _read_manifest(root: Path, formats: Sequence[int] = READABLE) -> dict[str, Any]:
    """The manifest at ``root``; refused if unreadable or of a format not in ``formats``
    (exporting into an archive of another format would mix formats: months it does not write
    again would keep the old one)."""
    try:
        manifest: dict[str, Any] = json.loads((root / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise InputRejected(
            f"no readable archive manifest in {root}", code="invalid_archive"
        ) from exc
    found = manifest.get("format_version")
    if found not in formats:
        wanted = " or ".join(map(str, formats))
        raise InputRejected(
            f"archive {root} is format {found!r}, not {wanted}: export format "
            f"{FORMAT_VERSION} into a new directory (saxaul archive export --out NEW)",
            code="invalid_archive",
        )
    return manifest


@dataclass(frozen=True, slots=True)
class ArchiveInputs:
    """The report's inputs scanned lazily from an archive's files (those its manifest lists)."""

    root: Path
    files: Mapping[str, Sequence[Path]]
    pipeline: dict[str, Any]
    keys: KeyLookup | None = None
    """Where the participants' data keys come from (the store); ``None``: nowhere, so every
    participant's personal columns read as unknown."""
    format_version: int = FORMAT_VERSION

    @classmethod
    def open(cls, root: Path, keys: KeyLookup | None = None) -> ArchiveInputs:
        """The archive at ``root``, its personal columns opened with ``keys``; refused if it
        has no manifest of a readable format."""
        manifest = _read_manifest(root)
        files: dict[str, list[Path]] = {name: [] for name in INPUTS}
        for path in manifest["files"]:
            files[path.split("/")[0]].append(root / path)
        return cls(root, files, manifest["pipeline"], keys, manifest["format_version"])

    def frames(
        self, name: InputName, where: Range | None, kinds: Sequence[str] = ()
    ) -> Iterator[pl.LazyFrame]:
        paths = self.files[name]
        types = schema(name)
        if not paths:
            yield pl.LazyFrame(schema=types)
            return
        if name == "participants":
            yield from self._participants(paths, where)
            return
        # the report's columns only: a format 3 archive holds more (what rescoring reads)
        frame = pl.scan_parquet(list(paths), hive_partitioning=False).select(
            pl.col(n).cast(t) for n, t in types.items()
        )
        if where is not None:
            frame = frame.filter(where.holds())
        if kinds:
            frame = frame.filter(pl.col("kind").is_in(list(kinds)))
        yield frame

    def _participants(self, paths: Sequence[Path], where: Range | None) -> Iterator[pl.LazyFrame]:
        """Each part file's participants with their demographics opened (one part in memory)."""
        types = schema("participants")
        for path in paths:
            part = pl.read_parquet(path, hive_partitioning=False)
            frame = self._unseal(part, types, DEMOGRAPHICS).frame.lazy()
            yield frame if where is None else frame.filter(where.holds())

    def payments(self) -> Unsealed:
        """The events whose payment details were sealed: ``dedupe_key`` and the details opened
        (null where no key opens them: erased, or no store), and how many did not open.

        Only those rows are read into memory; retention leaves most archived events without
        details."""
        types = {"dedupe_key": pl.Int64(), "user_id": pl.String()} | {
            n: t for n, t in schema("events", archived=True).items() if n in PAYMENT.columns
        }
        parts = []
        unopened = 0
        for path in self.files["events"]:
            sealed = (
                pl.scan_parquet(path, hive_partitioning=False)
                .select("dedupe_key", "user_id", PAYMENT.into)
                .filter(pl.col(PAYMENT.into).is_not_null())
                .collect()
            )
            opened = self._unseal(sealed, types, PAYMENT)
            parts.append(opened.frame)
            unopened += opened.unopened
        frame = pl.concat(parts) if parts else pl.DataFrame(schema=types)
        return Unsealed(frame.drop("user_id"), unopened)

    def _unseal(
        self, part: pl.DataFrame, types: dict[str, pl.DataType], sealing: Sealing
    ) -> Unsealed:
        keys = self.keys(part["user_id"]) if self.keys and part.height else _NO_KEYS
        return unseal(part, keys, types, sealing)


_NO_KEYS = pl.DataFrame(schema={"user_id": pl.String, KEY: pl.String})


def verified_month_rows(root: Path, name: InputName, month: str) -> int:
    """Rows the archive in ``root`` holds of ``name``'s month ``YYYY-MM``, once every one of
    its part files is read back and matches the manifest's sha256 (what a partition may be
    dropped on the strength of); a missing or changed file is refused."""
    prefix = f"{name}/month={month}/"
    files = {p: f for p, f in _read_manifest(root)["files"].items() if p.startswith(prefix)}
    for path, entry in files.items():
        if not (root / path).is_file() or _sha256(root / path) != entry["sha256"]:
            raise InputRejected(
                f"archive file {root / path} is missing or differs from its manifest",
                code="invalid_archive",
            )
    return sum(int(f["rows"]) for f in files.values())
