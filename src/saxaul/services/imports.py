"""Import behaviour events exactly once: validate → dedupe → score → cap → persist, per chunk.

A file is read in fixed chunks (``Runtime.chunk_rows``); each chunk commits atomically with the
import's resume cursor (``event_chunks``). A re-run of a file, or of an import killed with
SIGKILL or failed, resumes at the cursor (``import_runs`` says when a run may take an import
over), and anything offered again is recognised by its dedupe key, so totals equal one clean
import's. Three stages overlap, each in its own thread: reading and validating chunk k + 2,
scoring chunk k + 1 (``event_chunks.CarriedUsage``) and writing chunk k; most of each runs in
Rust or C with the GIL released, and a bounded hand-off between stages keeps memory flat.

Example: ``import_events(rt, Path("day1.csv"))`` → ``ImportSummary(new_events=1_998_731,
duplicates=0, rejected=1_269, scored=1_950_004, no_consent=48_727, energy_g=…)``.
"""

from __future__ import annotations

import contextlib
import hashlib
import queue
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TypeVar

from saxaul.domain.clock import to_us
from saxaul.domain.events import Rejection
from saxaul.ingest.events import EventChunk, file_sha256, iter_event_chunks, parse_event_body
from saxaul.ingest.messages import StreamMessage, parse_event_messages
from saxaul.ingest.sniff import count_rows, detect_kind
from saxaul.scoring.table import BehaviourTable
from saxaul.services.credit_budget import CreditBudget
from saxaul.services.event_chunks import (
    CarriedUsage,
    ChunkTarget,
    MessageHome,
    Scored,
    commit_chunk,
    numbered,
)
from saxaul.services.import_runs import renewed, run_import
from saxaul.services.runtime import Runtime
from saxaul.store.uow import ingest_lock_held

Progress = Callable[[int], None]
"""Told the data rows of each chunk as it is committed."""
Claimed = Callable[[str, int], None]
"""Told (what this run does with the import, the data row it starts at) once the run holds the
import, before the first chunk: a killed or slow run has already said which import it is."""
REJECTION_SAMPLE = 20
T = TypeVar("T")
U = TypeVar("U")


@dataclass(slots=True)
class ImportSummary:
    """What an import did, for people (the CLI table) and machines (``--json``)."""

    name: str
    import_id: int = 0
    run: str = ""
    """What this run did with the import's earlier state, e.g. "resumed import 12 at row …"."""
    resumed_from_row: int = 0
    rows_read: int = 0
    new_events: int = 0
    duplicates: int = 0
    rejected: int = 0
    scored: int = 0
    no_consent: int = 0
    not_effective: int = 0
    ineligible: int = 0
    """Kept but refused by a pack's attribute rules (status says why: ``already_claimed``, …)."""
    over_budget: int = 0
    """Kept but not credited: a business scenario's budget was spent (``credit_budget``)."""
    awards: int = 0
    balls: int = 0
    flagged: int = 0
    """Awards an abuse rule flagged at scoring: stored and scored, their energy held."""
    avoided_mg: int = 0
    energy_g: int = 0
    seconds: float = 0.0
    rejections: list[dict[str, object]] = field(default_factory=list)

    def add(self, counts: dict[str, int]) -> None:
        """Add a chunk's counters."""
        for key, value in counts.items():
            setattr(self, key, getattr(self, key) + value)


def sample_rejections(
    into: list[dict[str, object]], rejected: Iterable[Rejection], location: str
) -> None:
    """Keep the first few refusals for display (all of them are in the quarantine)."""
    for rejection in rejected:
        if len(into) >= REJECTION_SAMPLE:
            return
        into.append(
            {
                location: rejection.line,
                "code": str(rejection.code),
                "field": rejection.field,
                "reason": rejection.reason,
            }
        )


def file_kind(path: Path) -> str:
    """``events`` or ``participants``, from the file's columns."""
    return detect_kind(path)


def file_rows(path: Path) -> int | None:
    """How many data rows the file holds, when cheap to know (for progress bars)."""
    return count_rows(path)


def staged(items: Iterable[T], work: Callable[[T], U], *, name: str) -> Generator[U, None, None]:
    """Yield ``work(item)`` for each item, computed in a background thread one item ahead.

    The thread starts on the next item only once the consumer has taken this one, so each
    stage of a pipeline holds one chunk and memory stays bounded whatever the input's size;
    it is also what ``CarriedUsage.score_ahead`` needs. Errors are raised in the consumer; a
    consumer that stops early stops the thread and closes ``items``.
    """
    slot: queue.Queue[tuple[bool, object]] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                slot.put((True, work(item)))
                del item  # a chunk is large: hold none while waiting for the next
                slot.join()
            slot.put((False, None))
        except BaseException as exc:
            slot.put((False, exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produce, name=f"saxaul-{name}", daemon=True)
    thread.start()
    try:
        while True:
            ok, value = slot.get()
            slot.task_done()
            if ok:
                yield value  # type: ignore[misc]
                del value
                continue
            if value is not None:
                raise value  # type: ignore[misc]
            return
    finally:
        stop.set()
        while thread.is_alive():
            with contextlib.suppress(queue.Empty):
                slot.get(timeout=0.05)
                slot.task_done()
        thread.join()


def import_events(
    rt: Runtime,
    path: Path,
    *,
    progress: Progress | None = None,
    claimed: Claimed | None = None,
) -> ImportSummary:
    """Import one events file (CSV, NDJSON, JSON array or Parquet) exactly once."""
    table = BehaviourTable.from_packs(rt.packs, dict(rt.choices))

    def chunks(skip: int) -> Iterator[EventChunk]:
        return iter_event_chunks(
            path,
            known_behaviours=table.behaviour_ids,
            refusal=rt.programme.refusal,
            chunk_rows=rt.chunk_rows,
            skip_rows=skip,
        )

    summary = ImportSummary(name=str(path))
    identity = ("events", file_sha256(path), path.name)
    return _import(rt, table, summary, identity, chunks, progress, claimed)


@dataclass(frozen=True, slots=True)
class BodyScope:
    """What a bulk request other than the programme's own may carry, and how it is scored:
    a business scenario's live events (``services.scenario_events``)."""

    kind: str
    """The ``imports.kind`` its requests are recorded under."""
    table: BehaviourTable
    accepted: frozenset[str]
    """The behaviour ids the request may name; any other row is refused with ``refusal``."""
    refusal: Callable[[str], str]
    budget: CreditBudget


def import_event_body(
    rt: Runtime, body: bytes, content_type: str, *, max_rows: int, scope: BodyScope | None = None
) -> ImportSummary:
    """Import one HTTP bulk request (JSON array or NDJSON) exactly once.

    The request's identity is its content hash: retrying the same body is harmless, and each
    event is deduplicated by (source, event_id) in any case.
    """
    table = BehaviourTable.from_packs(rt.packs, dict(rt.choices)) if scope is None else scope.table
    chunk = parse_event_body(
        body,
        content_type,
        known_behaviours=table.behaviour_ids if scope is None else scope.accepted,
        refusal=rt.programme.refusal if scope is None else scope.refusal,
        max_rows=max_rows,
    )
    kind = "http" if scope is None else scope.kind
    budget = None if scope is None else scope.budget
    return _import_one_chunk(rt, table, kind, body, chunk, budget)


def import_event_messages(
    rt: Runtime, messages: Sequence[StreamMessage], *, quarantine_id: int, max_message_bytes: int
) -> ImportSummary:
    """Import one batch of stream messages (NDJSON, one event a line) exactly once, in one
    transaction.

    Like a bulk request: the batch's identity is its body's hash and each event is
    deduplicated by (source, event_id), so a batch delivered again changes nothing; a line
    that is not JSON, or a message too large, is quarantined with the reason
    (``ingest.messages``) under the stream's standing import ``quarantine_id``, keyed by its
    message's stream sequence and its index in the message, so a line delivered again, in
    whatever batch, is quarantined once (``event_chunks.MessageHome``).
    """
    table = BehaviourTable.from_packs(rt.packs, dict(rt.choices))
    body, chunk, lines = parse_event_messages(
        messages,
        known_behaviours=table.behaviour_ids,
        refusal=rt.programme.refusal,
        max_message_bytes=max_message_bytes,
    )
    home = MessageHome(quarantine_id, lines)
    return _import_one_chunk(rt, table, "stream", body, chunk, None, home)


def _import_one_chunk(
    rt: Runtime,
    table: BehaviourTable,
    kind: str,
    body: bytes,
    chunk: EventChunk,
    budget: CreditBudget | None,
    home: MessageHome | None = None,
) -> ImportSummary:
    """Import a body read as one chunk, named ``kind:<hash>`` by its content.

    Not pipelined: with one chunk there is nothing to overlap, and a stage's thread, its
    hand-offs and the score-ahead's second connection were most of a small body's fixed cost;
    the chunk is scored inside its transaction."""
    digest = hashlib.sha256(body).hexdigest()
    summary = ImportSummary(name=f"{kind}:{digest[:12]}")
    return _import(
        rt,
        table,
        summary,
        (kind, digest, summary.name),
        lambda _skip: [chunk],
        budget=budget,
        home=home,
        pipelined=False,
    )


def _same(chunk: EventChunk) -> EventChunk:
    return chunk


def _import(
    rt: Runtime,
    table: BehaviourTable,
    summary: ImportSummary,
    identity: tuple[str, str, str],
    chunks: Callable[[int], Iterable[EventChunk]],
    progress: Progress | None = None,
    claimed: Claimed | None = None,
    budget: CreditBudget | None = None,
    home: MessageHome | None = None,
    *,
    pipelined: bool = True,
) -> ImportSummary:
    """Claim the import named by ``identity`` = (kind, sha256, name) (``import_runs``), commit
    each chunk ``chunks(skip_rows)`` yields, then mark the import done — or failed.

    With a ``budget``, or not ``pipelined``, no chunk is scored ahead: each is scored inside
    its transaction (where what a budget has left is read under the ingest lock); not
    ``pipelined``, chunks are also read in this thread, one after the other."""
    started = time.perf_counter()
    with (
        rt.db.bulk() as bulk,
        ingest_lock_held(bulk),
        run_import(rt, bulk, *identity) as run,
        rt.db.bulk(lookups=True) if pipelined else contextlib.nullcontext() as reader,
    ):
        summary.import_id = run.import_id
        summary.run = run.message
        summary.resumed_from_row = run.from_row
        if claimed:
            claimed(run.message, run.from_row)
        totals = dict(run.counters)  # cumulative over runs: a re-run adds only duplicates
        lease = run.lease
        carried = None if budget or reader is None else CarriedUsage(table, bulk.foreign_commits())
        scored: Generator[Scored, None, None]
        if reader is None:
            scored = (numbered(chunk) for chunk in chunks(run.from_row))
        else:
            validated = staged(chunks(run.from_row), _same, name="read-ahead")
            scored = staged(
                validated,
                numbered if carried is None else partial(carried.score_ahead, reader),
                name="score-ahead",
            )
        with contextlib.closing(scored):
            for item in scored:
                lease = renewed(rt, lease)
                target = ChunkTarget(
                    lease, item.chunk.end_row, to_us(rt.clock.now()), rt.abuse, home
                )
                counts, rejected = commit_chunk(bulk, table, target, item, totals, carried, budget)
                summary.add(counts)
                sample_rejections(summary.rejections, rejected, item.chunk.location)
                if progress:
                    progress(item.chunk.rows_read)
                del item
    summary.seconds = time.perf_counter() - started
    return summary
