"""A simulated forest game on the demo's scored events: friends, mornings of play, a co-planting.

Why simulated players behave as they do: stealing is done first thing in the morning by a few
eager friends (critics report alarm clocks set for it), most owners collect later, some water a
friend, a few put on a cover, and the keenest friends pool their energy into one co-planted tree.
Everything goes through the services — ``friends``, ``game.play`` in batches, the morning rush
as participants' own concurrent requests (``game_batch``, group commit), the minting and expiry
jobs — so the demo exercises exactly what the API serves.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from saxaul.domain.errors import DomainError
from saxaul.domain.paging import MAX_PAGE
from saxaul.domain.play import Collect, CoPlant, Move, Outcome, Pool, Protect, Water
from saxaul.services import forest, friends, game, game_batch, game_requests
from saxaul.services.balls import expire_balls, mint_balls
from saxaul.services.game_batch import MoveRequest
from saxaul.services.game_views import MoveAnswer, TreeView
from saxaul.services.runtime import Runtime
from saxaul.sim.clock import DemoClock

BATCH = 500
"""Moves per transaction: the demo plays in batches, as a busy server would."""
RUSH_THREADS = 32
"""Players tapping at the same moment in the morning rush: each sends its own requests."""


@dataclass(slots=True)
class PlayLog:
    """What the simulated mornings did, for the demo's printout."""

    balls_minted: int = 0
    energy_minted_g: int = 0
    friendships: int = 0
    applied: dict[str, int] = field(default_factory=dict)
    refused: dict[str, int] = field(default_factory=dict)
    grams: dict[str, int] = field(default_factory=dict)
    expired_balls: int = 0
    expired_g: int = 0
    tree: TreeView | None = None
    rush_requests: int = 0
    rush_transactions: int = 0
    """The morning rushes' requests, and the transactions the group commit played them in."""

    def count(self, outcomes: Sequence[Outcome]) -> None:
        """Tally applied and refused moves by kind (refusals by code) and grams by transfer."""
        for outcome in outcomes:
            kind = type(outcome.move).__name__.lower()
            if outcome.refusal is None:
                self.applied[kind] = self.applied.get(kind, 0) + 1
                for transfer in outcome.transfers:
                    self.grams[transfer.kind] = self.grams.get(transfer.kind, 0) + transfer.amount_g
            else:
                self._refused(kind, outcome.refusal.code)

    def count_request(self, kind: str, result: MoveAnswer | DomainError) -> None:
        """Tally one participant's request as ``count`` tallies a move."""
        if isinstance(result, DomainError):
            self._refused(kind, result.code)
            return
        self.applied[kind] = self.applied.get(kind, 0) + 1
        for transfer in result.transfers:
            self.grams[transfer.kind] = self.grams.get(transfer.kind, 0) + transfer.amount_g

    def _refused(self, kind: str, code: str | None) -> None:
        key = f"{kind}:{code}"
        self.refused[key] = self.refused.get(key, 0) + 1


def local(day: dt.date, hour: int, zone: str) -> dt.datetime:
    """``hour``:00 on ``day`` in ``zone``, as a UTC instant."""
    return dt.datetime.combine(day, dt.time(hour), tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)


def make_friends(rt: Runtime, players: Sequence[str], per_player: int, seed: int) -> int:
    """A ring (everyone has two friends) plus random chords, invited and accepted."""
    rng = random.Random(seed)
    pairs = {tuple(sorted((p, players[(i + 1) % len(players)]))) for i, p in enumerate(players)}
    while len(pairs) < len(players) * per_player // 2:
        a, b = rng.sample(players, 2)
        pairs.add(tuple(sorted((a, b))))
    for a, b in sorted(pairs):
        friends.invite(rt, a, b)
        friends.accept(rt, b, a)
    return len(pairs)


def _friend_map(rt: Runtime, players: Sequence[str]) -> dict[str, list[str]]:
    return {p: _friends_of(rt, p) for p in players}


def _friends_of(rt: Runtime, player: str) -> list[str]:
    """Every friend of ``player``, page after page."""
    found: list[str] = []
    after: str | None = None
    while True:
        page = friends.list_friends(rt, player, limit=MAX_PAGE, after_id=after)
        found += [f.user_id for f in page.friends]
        if page.next_after_id is None:
            return found
        after = page.next_after_id


def play_batched(
    rt: Runtime,
    moves: list[Move],
    log: PlayLog,
    advance: Callable[[int], None],
    batch: int = BATCH,
) -> None:
    """Play ``moves`` through ``game.play``, ``batch`` per transaction, tallied in ``log``.

    The moves of one transaction are played in order in one ``Table``, so the batch size
    changes what a transaction costs, never what a move does."""
    for start in range(0, len(moves), batch):
        chunk = moves[start : start + batch]
        log.count(game.play(rt, chunk))
        advance(len(chunk))


def rush(
    rt: Runtime, requests: list[MoveRequest], log: PlayLog, advance: Callable[[int], None]
) -> None:
    """The first minutes of a morning: every request a participant's own, ``RUSH_THREADS`` of
    them at once, played as the HTTP API plays them (``game_batch``: group commit)."""

    def send(request: MoveRequest) -> MoveAnswer | DomainError:
        try:
            return game_batch.play_request(rt, request)
        except DomainError as refused:
            return refused

    batches = rt.moves.stats.batches
    with ThreadPoolExecutor(RUSH_THREADS) as pool:
        results = list(pool.map(send, requests))
    for request, result in zip(requests, results, strict=True):
        log.count_request(type(request.move).__name__.lower(), result)
    log.rush_requests += len(requests)
    log.rush_transactions += rt.moves.stats.batches - batches
    advance(len(requests))


def morning(
    rt: Runtime,
    players: Sequence[str],
    rng: random.Random,
    log: PlayLog,
    advance: Callable[[int], None],
) -> None:
    """One morning: eager friends steal, then owners collect most of their ripe balls (some
    are left for later, and for friends to find), water and protect."""
    circle = _friend_map(rt, players)
    ripe = {p: [b.id for b in forest.my_forest(rt, p).balls if b.state == "ripe"] for p in players}
    thefts = [
        game_requests.steal(thief, friend, ball_id, None)
        for thief in players
        if rng.random() < 0.3
        for friend in circle[thief]
        for ball_id in ripe[friend][:2]
    ]
    rush(rt, thefts, log, advance)
    chores: list[Move] = []
    for p in players:
        chores.extend(Collect(p, ball_id) for ball_id in ripe[p] if rng.random() < 0.6)
        if circle[p] and rng.random() < 0.2:
            chores.append(Water(p, rng.choice(circle[p]), rng.choice((10, 18, 66))))
        if rng.random() < 0.05:
            chores.append(Protect(p, rng.choice((24, 72))))
    play_batched(rt, chores, log, advance)


def co_plant(rt: Runtime, players: Sequence[str], log: PlayLog, species_id: str) -> None:
    """The player with most energy starts a co-planting with their friends; all pool in."""
    energy = {p: forest.my_forest(rt, p).energy_g for p in players}
    lead = max(players, key=lambda p: (energy[p], p))
    circle = sorted(_friend_map(rt, [lead])[lead], key=lambda p: -energy[p])[:9]
    tree_id = f"demo-{lead}"
    log.count(game.play(rt, [CoPlant(lead, species_id, tuple(circle), tree_id)]))
    cost = rt.species.get(species_id).energy_cost_g
    pooled = 0
    for planter in (lead, *circle):
        share = min(energy[planter], cost - pooled)
        if share <= 0:
            break
        outcomes = game.play(rt, [Pool(planter, tree_id, share)])
        log.count(outcomes)
        pooled += share if outcomes[0].ok else 0
    log.tree = forest.tree(rt, lead, tree_id)


def play_demo_days(
    rt: Runtime,
    clock: DemoClock,
    players: Sequence[str],
    first_day: dt.date,
    days: int,
    advance: Callable[[int], None],
    *,
    seed: int = 2016,
) -> PlayLog:
    """Mint balls, make friends, play a morning on each of two later days, expire, co-plant.

    Balls for day D appear at D+1 00:00 and ripen at D+2 00:00 (shipped rules), so the first
    morning is the one after the second day's balls ripen; the last morning comes after the
    first day's balls expire, so the expiry job has something to do.
    """
    zone = rt.rules.timezone
    log = PlayLog()
    rng = random.Random(seed)
    clock.set(local(first_day + dt.timedelta(days=days), 1, zone))
    minted = mint_balls(rt)
    log.balls_minted, log.energy_minted_g = minted.balls, minted.grams
    log.friendships = make_friends(rt, players, per_player=4, seed=seed)
    clock.set(local(first_day + dt.timedelta(days=3), 7, zone))
    morning(rt, players, rng, log, advance)
    clock.set(local(first_day + dt.timedelta(days=5), 7, zone))
    expired = expire_balls(rt)
    log.expired_balls, log.expired_g = expired.balls, expired.grams
    morning(rt, players, rng, log, advance)
    clock.set(local(first_day + dt.timedelta(days=5), 9, zone))
    co_plant(rt, players, log, species_id="caragana")
    return log
