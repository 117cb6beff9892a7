"""Participants' move requests, played in batches: each its own answer, one transaction for all.

Why batches: see ``services.group_commit`` — requests arriving while a batch runs are played
together in the next one. This module says what playing a batch of *moves* means, so that
batching changes no answer: the moves are played in arrival order by ``game.play_in`` (one
``domain.play.Table``, where a refused move changes nothing and later moves see what earlier
ones changed), which is what playing them one by one in that order would give.

Requests carry an idempotency key: the first answer is stored with the move in the same
transaction and replayed to a retry (``store.idempotency``), so a double-clicked "plant" plants
one tree. In a batch: stored answers are looked up for all its keys at once and replayed
without playing; two requests with one key never share a batch (``GroupCommit`` keeps the
later for the next batch, where it finds the first's answer); a retry racing its first attempt
in another process either is refused by what the first wrote and then finds its stored answer,
or collides on the stored key, and the whole batch is played again (``Database.write``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from saxaul.domain.errors import DomainError
from saxaul.domain.play import Move
from saxaul.services.game import play_in
from saxaul.services.game_views import MoveAnswer, outcome_view
from saxaul.services.group_commit import RunBatch
from saxaul.services.runtime import Runtime
from saxaul.store.idempotency import Keyed, Replay, save_answers, stored_answers
from saxaul.store.uow import WriteUnitOfWork


@dataclass(frozen=True, slots=True)
class MoveRequest:
    """One participant's move, with its idempotency key if it came with one."""

    move: Move
    keyed: Keyed | None


def ask(move: Move, operation: str, body: Mapping[str, Any], key: str | None) -> MoveRequest:
    """A participant's request for ``move``: with ``key``, its operation and body are what a
    retry must repeat to get the first answer back (``store.idempotency``)."""
    return MoveRequest(move, None if key is None else Keyed(move.actor, key, operation, body))


def play_request(rt: Runtime, request: MoveRequest) -> MoveAnswer:
    """Play one participant's move in the next batch; with a key, a retry gets the first
    answer back.

    A refusal raises (nothing is stored, so the same key may be retried once the cause is
    fixed); the same key sent with a different request is a conflict, never a second move.
    """
    return rt.moves.submit(request, _runner(rt), _key(request))


async def play_request_async(rt: Runtime, request: MoveRequest) -> MoveAnswer:
    """``play_request`` for a caller on an event loop (the HTTP API): it waits for its batch
    without holding a thread."""
    return await rt.moves.submit_async(request, _runner(rt), _key(request))


def _runner(rt: Runtime) -> RunBatch[MoveRequest, MoveAnswer]:
    """Plays a batch of requests in one unit of work."""
    return lambda batch: rt.db.write(lambda uow: play_together(uow, rt, batch))


def _key(request: MoveRequest) -> tuple[str, str] | None:
    """What two requests must not share a batch by: the same participant's same key."""
    keyed = request.keyed
    return None if keyed is None else (keyed.user, keyed.key)


def play_together(
    uow: WriteUnitOfWork, rt: Runtime, batch: Sequence[MoveRequest]
) -> list[MoveAnswer | DomainError]:
    """Each request's answer or refusal, the requests played in order in ``uow``.

    Stored answers are replayed without playing (or refused as a reused key); the other moves
    are played together; the answers of applied keyed moves are stored in the same
    transaction. Returns refusals instead of raising them, so each request gets its own.
    """
    results: dict[int, MoveAnswer | DomainError] = {}
    earlier = stored_answers(uow, [r.keyed for r in batch if r.keyed is not None])
    fresh: list[tuple[int, MoveRequest]] = []
    for index, request in enumerate(batch):
        found = None if request.keyed is None else earlier.get(request.keyed)
        if found is None:
            fresh.append((index, request))
        else:
            results[index] = _replayed(found)
    outcomes = play_in(uow, rt, [request.move for _, request in fresh])
    refused = [
        request.keyed
        for (_, request), outcome in zip(fresh, outcomes, strict=True)
        if outcome.refusal is not None and request.keyed is not None
    ]
    landed_meanwhile = stored_answers(uow, refused) if refused else {}
    to_store: list[tuple[Keyed, MoveAnswer]] = []
    for (index, request), outcome in zip(fresh, outcomes, strict=True):
        if outcome.refusal is None:
            answer = outcome_view(outcome, rt)
            results[index] = answer
            if request.keyed is not None:
                to_store.append((request.keyed, answer))
            continue
        found = None if request.keyed is None else landed_meanwhile.get(request.keyed)
        results[index] = outcome.refusal if found is None else _replayed(found)
    save_answers(uow, to_store, rt.clock.now())
    return [results[index] for index in range(len(batch))]


def _replayed(found: Replay) -> MoveAnswer | DomainError:
    """A stored answer, marked as replayed, or the refusal of a key reused for another body."""
    if isinstance(found, DomainError):
        return found
    return replace(MoveAnswer.from_json(found), replayed=True)
