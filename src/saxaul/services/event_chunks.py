"""Commit one chunk of validated events: the fast path for new data, the exact path otherwise.

The rule this module owns: a chunk's new events, their awards and balls, the cap usage they
spend, the rows refused and the import's resume cursor commit in ONE transaction.

Fast path: probe a few of the chunk's keys (a re-sent file is caught here, before any work),
then score the chunk as if every event were new and append it; the primary key on
``dedupe_key`` refuses the append if any event is already stored, and then the transaction is
rolled back and the exact path runs: split the chunk against what is stored (duplicate,
conflicting payload, key collision), score only the new events, append them. New data is
written once with no staging copy; re-sent data pays for one indexed lookup per event.
Example: a re-run of a fully imported 500 000-row chunk → fast path refused → exact path finds
500 000 duplicates → nothing but the cursor changes.

Scored ahead: while chunk k is written, chunk k+1 is scored on another connection
(``CarriedUsage.score_ahead``) against the cap usage chunk k leaves behind, carried in memory,
and the stored usage of every other group (committed: chunk k+1 is scored only once chunk k is
being written, so k − 1 has committed). Its transaction then only appends. That is exact while
no other run writes usage between the chunks (``store.uow.ingest_lock_held``); once anything
says otherwise — another connection committed (SQLite), a chunk met stored events — the run
scores every later chunk inside its transaction again, as above.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass

import polars as pl

from saxaul.domain.abuse_rules import AbuseRules
from saxaul.domain.events import INELIGIBLE, EventStatus, RejectCode, Rejection
from saxaul.domain.scenarios import budget_left_mg
from saxaul.domain.units import MG_PER_G
from saxaul.ingest.checks import EXACT
from saxaul.ingest.columns import LINE
from saxaul.ingest.events import IDENTITY, EventChunk
from saxaul.ingest.messages import MessageLines
from saxaul.scoring.kernel import cap_groups, score
from saxaul.scoring.rules import rule_columns
from saxaul.scoring.table import BehaviourTable
from saxaul.services.credit_budget import CreditBudget, within_budget
from saxaul.services.import_runs import taken_over
from saxaul.services.plausibility import award_flags
from saxaul.store import abuse_repo, scenarios_repo
from saxaul.store import ingest_repo as repo
from saxaul.store.bulk import BulkConnection, UniqueViolation
from saxaul.store.ingest_repo import Lease
from saxaul.store.uow import bulk_transaction

STREAM_MESSAGE = "stream_message"
"""The quarantine ``location`` of a stream message's line: its ``line`` is the message's stream
sequence × 65,536 + the line's index in the message (``ingest.messages.message_key``)."""


@dataclass(frozen=True, slots=True)
class MessageHome:
    """Where a stream batch's refused lines are quarantined: under the stream's standing
    import, each keyed by its message's stream sequence and its index in the message.

    Why not under the batch's own import: a batch is named by its content, and a batch
    redelivered after its commit but before its acknowledgement may come back grouped
    otherwise, so it would be a new import and its refused lines a second copy; keyed by
    stream, sequence and index, a line already quarantined is refused by the table's key."""

    import_id: int
    lines: MessageLines


@dataclass(frozen=True, slots=True)
class ChunkTarget:
    """Where a chunk goes: the import (and the run's lease on it), the row its end leaves
    the cursor at, the abuse rules its awards are checked against (``None``: none) and, for a
    stream batch, where its refused messages go (``None``: under the import, by line)."""

    lease: Lease
    rows_done: int
    now_us: int
    abuse: AbuseRules | None = None
    home: MessageHome | None = None

    @property
    def import_id(self) -> int:
        return self.lease.import_id


@dataclass(frozen=True, slots=True)
class Outcome:
    """A scored batch of new events, ready to append: award ids count from 0 until the
    transaction knows the first free one (``_append``)."""

    rows: pl.DataFrame
    """Event rows (``repo.EVENT_COLUMNS`` less ``import_id``), in dedupe-key order."""
    awards: pl.DataFrame
    usage: pl.DataFrame
    prior: pl.DataFrame
    """The usage the batch was scored against: which groups are stored already."""
    counts: dict[str, int]


@dataclass(frozen=True, slots=True)
class Scored:
    """A validated chunk, its events numbered, and its outcome if it was scored ahead."""

    chunk: EventChunk
    events: pl.DataFrame
    ahead: Outcome | None


def numbered(chunk: EventChunk) -> Scored:
    """A chunk as ``commit_chunk`` takes it, not scored ahead (its transaction scores it)."""
    events = chunk.accepted.with_row_index("row").with_columns(pl.col("row").cast(pl.Int64))
    return Scored(chunk, events, None)


class CarriedUsage:
    """Cap usage carried from one chunk of a run to the next, and whether it still holds.

    The scoring side (``score_ahead``, one thread) keeps the usage of the chunk before; the
    writing side (``still_exact``, inside each chunk's transaction) watches for commits by
    anyone else since its previous transaction. Either side may end the carrying for the run.
    """

    def __init__(self, table: BehaviourTable, marker: int) -> None:
        self._table = table
        self._marker = marker
        self._exact = threading.Event()
        self._exact.set()
        self._usage = pl.DataFrame(schema=repo.USAGE_SCHEMA)

    def stop(self) -> None:
        """Score every later chunk of this run inside its own transaction."""
        self._exact.clear()

    def still_exact(self, bulk: BulkConnection) -> bool:
        """Inside a chunk's transaction: whether chunks scored ahead may be appended as they
        are (no other connection committed since this run's previous transaction)."""
        marker = bulk.foreign_commits()
        if marker != self._marker:
            self._marker = marker
            self.stop()
        return self._exact.is_set()

    def score_ahead(self, reader: BulkConnection, chunk: EventChunk) -> Scored:
        """Score ``chunk`` against the carried usage and, for other groups, the stored usage
        (read on ``reader``); call only once the previous chunk is being written."""
        scored = numbered(chunk)
        events = scored.events
        if not self._exact.is_set() or events.height == 0:
            return scored
        if repo.any_stored(reader, events["dedupe_key"]):
            return scored  # a re-send: its transaction takes the exact path
        rules = rule_columns(events, self._table)
        groups = cap_groups(events, self._table, rules)
        carried = self._usage.join(groups, on=list(repo.USAGE_KEY), how="semi")
        stored = repo.cap_usage_of(
            reader, groups.join(carried, on=list(repo.USAGE_KEY), how="anti")
        )
        prior = pl.concat([carried, stored])
        consent = repo.consent_of(reader, events["user_id"])
        outcome = _outcome(self._table, events, consent, prior, rules)
        self._usage = outcome.usage
        return Scored(chunk, events, outcome)


def commit_chunk(
    bulk: BulkConnection,
    table: BehaviourTable,
    target: ChunkTarget,
    scored: Scored,
    totals: dict[str, int],
    carried: CarriedUsage | None = None,
    budget: CreditBudget | None = None,
) -> tuple[dict[str, int], list[Rejection]]:
    """Commit a chunk; returns its counters and every row it refused (validation included).

    ``carried``: the run's ``CarriedUsage`` when ``scored`` may have been scored ahead.
    ``budget``: the most the run's awards of one pack version may credit, all runs together
    (``services.credit_budget``); such a chunk is scored inside its transaction.
    """
    chunk, events = scored.chunk, scored.events
    counts = {
        "rows_read": chunk.rows_read,
        "duplicates": chunk.duplicates_in_chunk,
        "rejected": len(chunk.rejected),
    }
    try:
        with bulk_transaction(bulk):
            exact = carried is not None and carried.still_exact(bulk)
            if repo.any_stored(bulk, events["dedupe_key"]):
                raise UniqueViolation("a re-send: go straight to the exact path")
            if exact and scored.ahead is not None and budget is None:
                counts |= _append(bulk, target, scored.ahead)
            else:
                counts |= _write(bulk, table, target, events, budget)
            _close_chunk(bulk, target, chunk, chunk.rejected, totals, counts)
            if scored.ahead is None and carried is not None and events.height:
                carried.stop()  # the usage scored ahead of the next chunk missed this one's
            return counts, list(chunk.rejected)
    except UniqueViolation:
        pass
    if carried is not None:
        carried.stop()
    with bulk_transaction(bulk):
        fresh, rejected, duplicates = _split_against_store(bulk, chunk, events)
        counts |= _write(bulk, table, target, fresh, budget)
        counts["duplicates"] = duplicates
        counts["rejected"] = len(rejected)
        _close_chunk(bulk, target, chunk, rejected, totals, counts)
    return counts, rejected


def _close_chunk(
    bulk: BulkConnection,
    target: ChunkTarget,
    chunk: EventChunk,
    rejected: list[Rejection],
    totals: dict[str, int],
    counts: dict[str, int],
) -> None:
    """Quarantine the refused rows and move the cursor, inside the chunk's transaction.

    A stream message's line quarantined by an earlier delivery is counted a duplicate, not a
    rejection: it was refused once, and this is the same line again."""
    home = target.home
    if home is None:
        repo.quarantine_rows(
            bulk, repo.quarantine_frame(target.import_id, rejected, chunk.location, target.now_us)
        )
    else:
        keyed = [dataclasses.replace(r, line=home.lines.key(r.line)) for r in rejected]
        kept = repo.quarantine_rows(
            bulk, repo.quarantine_frame(home.import_id, keyed, STREAM_MESSAGE, target.now_us)
        )
        counts["rejected"] -= len(rejected) - kept
        counts["duplicates"] += len(rejected) - kept
    for key, value in counts.items():
        totals[key] = totals.get(key, 0) + value
    if not repo.advance_import(bulk, target.lease, target.rows_done, totals):
        raise taken_over(target.import_id)


def _split_against_store(
    bulk: BulkConnection, chunk: EventChunk, events: pl.DataFrame
) -> tuple[pl.DataFrame, list[Rejection], int]:
    """The chunk's new events, every row it refuses, and how many rows were duplicates.

    The rule: a row whose key is stored is judged against the stored event alone, as if it
    came in a chunk of its own: a duplicate when it is that event with the same payload (or
    the event was archived: its key is all that is known), refused otherwise (another payload,
    or a key collision). Whatever rows came before it in the chunk do not matter. A key not
    stored keeps the chunk's verdict: first occurrence new, exact repeats duplicates, other
    rows refused beside the first. Example: stored e1 (quantity 1), chunk [e1 quantity 2, e1
    quantity 1] → the first is refused, the second is a duplicate.

    One read covers every row: a repeated key's first occurrence is among ``events``.
    """
    stored = repo.existing_events(bulk, events["dedupe_key"]).rename(
        {"source": "s_source", "event_id": "s_event_id", "payload_hash": "s_payload_hash"}
    )
    stored_keys = stored.select("dedupe_key")
    rejudged = chunk.repeats.join(stored_keys, on="dedupe_key", how="semi")
    rows = pl.concat([events.select(IDENTITY), rejudged.select(IDENTITY)])
    matched = rows.join(stored, on="dedupe_key", how="inner")
    same_id = (pl.col("source") == pl.col("s_source")) & (
        pl.col("event_id") == pl.col("s_event_id")
    )
    same_payload = pl.col("payload_hash") == pl.col("s_payload_hash")
    known = pl.col("s_source").is_null() | (same_id & same_payload)
    refused = [_refusal(row) for row in matched.filter(~known).iter_rows(named=True)]
    lines = set(rejudged.get_column(LINE))
    rejected = sorted(
        [*(r for r in chunk.rejected if r.line not in lines), *refused], key=lambda r: r.line
    )
    in_chunk = chunk.duplicates_in_chunk - int(rejudged.get_column(EXACT).sum())
    fresh = events.join(stored_keys, on="dedupe_key", how="anti")
    return fresh, rejected, in_chunk + matched.filter(known).height


def _refusal(row: dict[str, object]) -> Rejection:
    """Why a stored key refuses this row: another payload under its id, or a hash collision."""
    event = f"{row['source']}/{row['event_id']}"
    if (row["source"], row["event_id"]) != (row["s_source"], row["s_event_id"]):
        return Rejection(
            line=int(str(row["line"])),
            code=RejectCode.KEY_COLLISION,
            reason=f"event {event} shares a dedupe key with stored event "
            f"{row['s_source']}/{row['s_event_id']}; report this to the operator",
            raw=event,
            field="event_id",
        )
    return Rejection(
        line=int(str(row["line"])),
        code=RejectCode.EXISTS_WITH_DIFFERENT_PAYLOAD,
        reason=f"event {event} was already accepted with different fields; send a correction "
        "as a new event (or a reversal naming it), not as a re-send",
        raw=event,
        field="event_id",
    )


def _write(
    bulk: BulkConnection,
    table: BehaviourTable,
    target: ChunkTarget,
    events: pl.DataFrame,
    budget: CreditBudget | None = None,
) -> dict[str, int]:
    """Score ``events`` against stored consent and cap usage (and what is left of
    ``budget``), then append everything."""
    if events.height == 0:
        return {}
    rules = rule_columns(events, table)
    consent = repo.consent_of(bulk, events["user_id"])
    prior = repo.cap_usage_of(bulk, cap_groups(events, table, rules))
    outcome = _outcome(table, events, consent, prior, rules)
    if budget is not None:
        outcome = _within(bulk, outcome, budget)
    return _append(bulk, target, outcome)


def _within(bulk: BulkConnection, outcome: Outcome, budget: CreditBudget) -> Outcome:
    """``outcome`` crediting no more than what is left of ``budget`` now (ingest lock held)."""
    spent = scenarios_repo.credited_mg_under(bulk, budget.pack_id, budget.pack_version)
    left = budget_left_mg(budget.budget_g, spent)
    rows, awards, counts = within_budget(outcome.rows, outcome.awards, outcome.counts, left)
    return Outcome(rows, awards, outcome.usage, outcome.prior, counts)


def _outcome(
    table: BehaviourTable,
    events: pl.DataFrame,
    consent: pl.DataFrame,
    prior: pl.DataFrame,
    rules: pl.DataFrame,
) -> Outcome:
    """Score ``events``; their rows and awards as the tables take them (award ids from 0)."""
    result = score(events, consent, prior, table, rules=rules)
    awards = result.awards.with_row_index("id").with_columns(
        pl.col("id").cast(pl.Int64),
        (pl.col("avoided_mg") // MG_PER_G).alias("energy_g"),  # whole grams, floor (units.py)
    )
    rows = (
        events.join(result.events, on="row", how="left")
        .join(
            awards.select("user_id", "behaviour", "day", pl.col("id").alias("award_id")),
            on=["user_id", "behaviour", "day"],
            how="left",
        )
        .with_columns(
            pl.col("occurred_at").dt.epoch("us").alias("occurred_at_us"),
            pl.when(pl.col("status") == str(EventStatus.SCORED)).then(pl.col("award_id")),
        )
        .select(name for name in repo.EVENT_COLUMNS if name != "import_id")
        .sort("dedupe_key")
    )
    statuses = dict(result.events["status"].value_counts().iter_rows())
    counts = {
        "new_events": events.height,
        "scored": int(statuses.get(str(EventStatus.SCORED), 0)),
        "no_consent": int(statuses.get(str(EventStatus.NO_CONSENT), 0)),
        "not_effective": int(statuses.get(str(EventStatus.NOT_EFFECTIVE), 0)),
        "ineligible": sum(int(statuses.get(str(status), 0)) for status in INELIGIBLE),
        "awards": awards.height,
        "balls": int((awards["energy_g"] > 0).sum()),
        "avoided_mg": int(awards["avoided_mg"].sum()),
        "energy_g": int(awards["energy_g"].sum()),
    }
    return Outcome(rows, awards, result.usage, prior, counts)


def _append(bulk: BulkConnection, target: ChunkTarget, outcome: Outcome) -> dict[str, int]:
    """Append a scored batch inside the chunk's transaction, its award ids made real."""
    first = repo.next_award_id(bulk)
    import_id = pl.lit(target.import_id, pl.Int64).alias("import_id")
    events = outcome.rows.with_columns(pl.col("award_id") + first, import_id)
    awards = outcome.awards.with_columns(
        pl.col("id") + first, import_id, pl.lit(target.now_us).alias("created_at_us")
    )
    repo.insert_events(bulk, events)
    repo.insert_awards(bulk, awards)
    repo.save_cap_usage(bulk, outcome.usage, outcome.prior)
    if target.abuse is None:
        return outcome.counts
    flagged = abuse_repo.stage_award_flags(
        bulk, award_flags(events, awards, target.abuse, target.now_us)
    )
    return outcome.counts | {"flagged": flagged} if flagged else outcome.counts
