"""The forest game as a model a reader can check by eye: plain dicts and counters.

``Model`` plays each move from the rules' numbers (ripening, expiry, 30 % steal floor, one
steal per ball per friend, daily limits, covers, watering steps, tree prices; a refund takes
from the ball, then expired, then the owner's balance, the rest owed and repaid from the next
credits), not from ``domain/energy.py``, ``domain/play.py`` or ``domain/reversal.py``, and says
what each move must do: applied or refused with which code, which grams move, how many
transfers. ``game_machine.GameMachine`` compares the real services against it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from zoneinfo import ZoneInfo

from saxaul.domain import accounts as ids
from saxaul.domain.game_rules import EnergyRules, SpeciesCatalogue
from saxaul.domain.play import (
    CancelTree,
    Collect,
    CoPlant,
    Move,
    Plant,
    Pool,
    Protect,
    Steal,
    Water,
)
from saxaul.domain.reversal import ReversalReason
from saxaul.services.balls import JobResult
from tests.game_world import BUS_G, RIDE_G

START = dt.datetime(2026, 11, 5, 12, 0, tzinfo=dt.UTC)
PLAYERS = ("u1", "u2", "u3", "u4")
FRIENDSHIPS = (("u1", "u2"), ("u1", "u3"), ("u2", "u3"), ("u3", "u4"))
"""Friends at the start; u4 knows only u3. Rules befriend and unfriend any pair later."""
MOVE_KINDS = ("collect", "steal", "water", "protect", "plant", "co_plant", "pool", "cancel")
RIDES_PER_DAY = 5
"""The metro-ride cap of the shipped scoring pack: a sixth ride on a day earns nothing."""
DAILY_STEAL_LIMIT = 2
SPECIES = ("caragana", "caragana", "saxaul", "desert_poplar", "baobab")
"""Mostly the cheapest tree; an expensive one; one the catalogue does not have."""
BAD_WATER_G = (0, -10, 11, 20, 67)
BAD_COVER_H = (0, 12, 25, 169)
POOL_CHOICES = ("rest", "over", 0, -5, 1, 10, 100, 1_000, 5_000, 10_000)
HISTORY_DAYS = (0, 3)
"""Past days of five metro rides each a player may start with (small balls to steal from)."""
RICH_TRIPS = 250
"""Bus trips (no cap) in one day that make a player rich: 20,000 g buys a caragana or a saxaul."""
REFUND = ReversalReason.REFUND


@dataclass
class ModelBall:
    """One ball: who owns it, when it can be taken, what is left and who took how often."""

    id: str
    owner: str
    amount_g: int
    appears_at: dt.datetime
    ripens_at: dt.datetime
    expires_at: dt.datetime
    remaining_g: int
    takes: Counter[str] = field(default_factory=Counter)
    expired_g: int = 0
    expired_reversed_g: int = 0


@dataclass
class ModelTree:
    """One tree: its price, its planters, the shares pooled so far and where it stands."""

    id: str
    initiator: str
    members: tuple[str, ...]
    cost_g: int
    co: bool
    status: str = "funding"
    shares: list[tuple[str, int]] = field(default_factory=list)

    @property
    def pooled_g(self) -> int:
        return sum(grams for _, grams in self.shares)


@dataclass
class Award:
    """An imported day of one behaviour's trips that earned energy; ``ball_id`` once minted."""

    owner: str
    behaviour: str
    day: dt.date
    amount_g: int
    scored_at: dt.datetime
    ball_id: str | None = None


@dataclass(frozen=True)
class Event:
    """One imported trip: what it earned and the award it counts towards (``None``: an award
    that earned nothing, so it has no ball)."""

    owner: str
    credited_g: int
    award: Award | None


@dataclass(frozen=True)
class Reversal:
    """What a reversal event asked and took: grams from the ball, expired, balance, as debt."""

    original: str
    occurred_at: dt.datetime
    taken: tuple[int, int, int, int]


@dataclass(frozen=True)
class Expect:
    """What the model says a move does: ``ok`` or a refusal code, and how many transfers."""

    code: str
    transfers: int = 0


@dataclass(frozen=True)
class ExpectReversal:
    """What the model says a reversal does (statuses of ``domain.reversal.ReversalStatus``)."""

    status: str
    taken: tuple[int, int, int, int] = (0, 0, 0, 0)
    replayed: bool = False
    transfers: int = 0


class Model:
    """The game as plain dicts, re-derived from the rules' numbers."""

    def __init__(self, rules: EnergyRules, catalogue: SpeciesCatalogue) -> None:
        self.zone = ZoneInfo(rules.timezone)
        self.ripening = rules.ripening_delay
        self.expiry = rules.expiry_after_ripe
        self.steal_share = Fraction(rules.steal_share)
        self.min_steal_g = rules.min_steal_g
        self.steals_per_ball = rules.steals_per_ball_per_friend
        self.steal_limit = rules.daily_steal_limit
        self.cover_hours = {int(cover / dt.timedelta(hours=1)) for cover in rules.protection_covers}
        self.water_steps = set(rules.watering_steps_g)
        self.water_limit = rules.daily_watering_limit
        self.prices = {species.id: species.energy_cost_g for species in catalogue.species}

        self.friends: set[frozenset[str]] = set()
        self.balance: dict[str, int] = dict.fromkeys(PLAYERS, 0)
        self.balls: dict[str, ModelBall] = {}
        self.trees: dict[str, ModelTree] = {}
        self.pending: list[Award] = []
        self.events: dict[str, Event] = {}
        self.reversals: dict[str, Reversal] = {}
        self.reversed_events: set[str] = set()
        self.owed: Counter[str] = Counter()
        self.settlements = 0
        self.rides: Counter[tuple[str, dt.date]] = Counter()
        self.covered_until: dict[str, dt.datetime] = {}
        self.covers = 0
        self.steals: Counter[tuple[str, dt.date]] = Counter()
        self.waterings: Counter[tuple[str, dt.date]] = Counter()
        self.issued_g = 0
        self.expired_g = 0
        self.planted_g = 0
        self.transfers = 0

    # ---- views

    def day(self, now: dt.datetime) -> dt.date:
        return now.astimezone(self.zone).date()

    def accounts(self) -> dict[str, int]:
        """Every ledger account's expected balance (0 for accounts that may not be open yet)."""
        out = {ids.participant_account_id(user): g for user, g in self.balance.items()}
        out |= {ids.ball_account_id(ball.id): ball.remaining_g for ball in self.balls.values()}
        out |= {ids.tree_account_id(t.id): self.pool_g(t) for t in self.trees.values() if t.co}
        out |= {ids.debt_account_id(user): -g for user, g in self.owed.items()}
        out |= {
            ids.ISSUANCE_ACCOUNT_ID: -self.issued_g,
            ids.EXPIRED_ACCOUNT_ID: self.expired_g,
            ids.PLANTED_ACCOUNT_ID: self.planted_g,
        }
        return out

    def pool_g(self, tree: ModelTree) -> int:
        return tree.pooled_g if tree.co and tree.status == "funding" else 0

    def are_friends(self, a: str, b: str) -> bool:
        return frozenset((a, b)) in self.friends

    # ---- jobs

    def import_rides(self, user: str, ids: list[str], day: dt.date, now: dt.datetime) -> None:
        """Metro rides (``ids`` in time order) up to the day's cap earn 52 g each, the earliest
        first; one award per import that earns."""
        earning = min(len(ids), RIDES_PER_DAY - self.rides[user, day])
        self.rides[user, day] += earning
        award = Award(user, "metro_ride", day, earning * RIDE_G, now) if earning else None
        if award is not None:
            self.pending.append(award)
        for n, event_id in enumerate(ids):
            self.events[event_id] = Event(user, RIDE_G if n < earning else 0, award)

    def import_bus(
        self, user: str, event_id: str, trips: int, day: dt.date, now: dt.datetime
    ) -> None:
        """Bus trips earn 80 g each, without a cap."""
        award = Award(user, "bus_ride", day, trips * BUS_G, now)
        self.pending.append(award)
        self.events[event_id] = Event(user, trips * BUS_G, award)

    def mint(self) -> JobResult:
        minted = JobResult(len(self.pending), sum(a.amount_g for a in self.pending))
        self.issued_g += minted.grams
        self.transfers += minted.balls
        return minted

    def add_ball(self, ball_id: str, award: Award) -> ModelBall:
        """The ball an award became: it appears the next local midnight, or when scored."""
        midnight = dt.datetime.combine(award.day + dt.timedelta(days=1), dt.time(), self.zone)
        appears = max(midnight, award.scored_at)
        ball = ModelBall(
            ball_id,
            award.owner,
            award.amount_g,
            appears,
            appears + self.ripening,
            appears + self.ripening + self.expiry,
            award.amount_g,
        )
        self.balls[ball_id] = ball
        award.ball_id = ball_id
        return ball

    def expire(self, now: dt.datetime) -> JobResult:
        due = [b for b in self.balls.values() if b.expires_at <= now and b.remaining_g > 0]
        result = JobResult(len(due), sum(b.remaining_g for b in due))
        for ball in due:
            self.expired_g += ball.remaining_g
            ball.expired_g += ball.remaining_g
            ball.remaining_g = 0
        self.transfers += result.balls
        return result

    # ---- moves

    def play(self, move: Move, now: dt.datetime) -> Expect:
        """The move's verdict (``ok`` or a refusal code), applied to the model when ``ok``."""
        before = self.transfers
        match move:
            case Collect(actor, ball_id):
                code = self.collect(actor, ball_id, now)
            case Steal(actor, ball_id):
                code = self.steal(actor, ball_id, now)
            case Water(actor, friend, amount_g):
                code = self.water(actor, friend, amount_g, now)
            case Protect(actor, hours):
                code = self.protect(actor, hours, now)
            case Plant(actor, species_id, tree_id):
                code = self.plant(actor, species_id, tree_id)
            case CoPlant(actor, species_id, others, tree_id):
                code = self.co_plant(actor, species_id, others, tree_id)
            case Pool(actor, tree_id, amount_g):
                code = self.pool(actor, tree_id, amount_g)
            case CancelTree(actor, tree_id):
                code = self.cancel(actor, tree_id)
            case _:
                raise AssertionError(move)
        return Expect(code, self.transfers - before)

    def credit(self, user: str, grams: int) -> None:
        """One transfer crediting ``user``; what they owe is repaid from it first (one more)."""
        self.balance[user] += grams
        self.transfers += 1
        repaid = min(self.owed[user], grams)
        if repaid:
            self.balance[user] -= repaid
            self.owed[user] -= repaid
            self.transfers += 1
            self.settlements += 1

    def timing(self, ball: ModelBall, now: dt.datetime) -> str | None:
        if now < ball.ripens_at:
            return "not_ripe"
        if now >= ball.expires_at:
            return "expired"
        return None

    def collect(self, actor: str, ball_id: str, now: dt.datetime) -> str:
        ball = self.balls.get(ball_id)
        if ball is None:
            return "not_found"
        if actor != ball.owner:
            return "not_owner"
        if (late := self.timing(ball, now)) is not None:
            return late
        if ball.remaining_g == 0:
            return "nothing_to_take"
        self.credit(actor, ball.remaining_g)
        ball.remaining_g = 0
        ball.takes[actor] += 1
        return "ok"

    def steal(self, thief: str, ball_id: str, now: dt.datetime) -> str:
        ball = self.balls.get(ball_id)
        if ball is None:
            return "not_found"
        if thief == ball.owner:
            return "own_ball"
        if not self.are_friends(thief, ball.owner):
            return "not_friends"
        if (late := self.timing(ball, now)) is not None:
            return late
        if ball.takes[thief] >= self.steals_per_ball:
            return "already_stolen"
        if now < self.covered_until.get(ball.owner, now):
            return "covered"
        if self.steals[thief, self.day(now)] >= self.steal_limit:
            return "daily_limit"
        grams = math.floor(self.steal_share * ball.remaining_g)
        if grams < self.min_steal_g:
            return "nothing_to_take"
        self.credit(thief, grams)
        ball.remaining_g -= grams
        ball.takes[thief] += 1
        self.steals[thief, self.day(now)] += 1
        return "ok"

    def water(self, giver: str, receiver: str, amount_g: int, now: dt.datetime) -> str:
        if giver == receiver:
            return "own_account"
        if not self.are_friends(giver, receiver):
            return "not_friends"
        if amount_g not in self.water_steps:
            return "not_a_step"
        if self.waterings[giver, self.day(now)] >= self.water_limit:
            return "daily_limit"
        if self.balance[giver] < amount_g:
            return "insufficient_energy"
        self.balance[giver] -= amount_g
        self.credit(receiver, amount_g)
        self.waterings[giver, self.day(now)] += 1
        return "ok"

    def protect(self, user: str, hours: int, now: dt.datetime) -> str:
        if hours not in self.cover_hours:
            return "not_a_cover"
        if now < self.covered_until.get(user, now):
            return "already_covered"
        self.covered_until[user] = now + dt.timedelta(hours=hours)
        self.covers += 1
        return "ok"

    def new_tree_refusal(self, tree_id: str, species_id: str) -> str | None:
        if tree_id in self.trees:
            return "already_exists"
        if species_id not in self.prices:
            return "unknown_species"
        return None

    def plant(self, user: str, species_id: str, tree_id: str) -> str:
        if (refused := self.new_tree_refusal(tree_id, species_id)) is not None:
            return refused
        cost = self.prices[species_id]
        if self.balance[user] < cost:
            return "insufficient_energy"
        self.balance[user] -= cost
        self.planted_g += cost
        self.trees[tree_id] = ModelTree(
            tree_id, user, (user,), cost, co=False, status="promised", shares=[(user, cost)]
        )
        self.transfers += 1
        return "ok"

    def co_plant(self, user: str, species_id: str, others: tuple[str, ...], tree_id: str) -> str:
        if (refused := self.new_tree_refusal(tree_id, species_id)) is not None:
            return refused
        if not all(self.are_friends(user, other) for other in others):
            return "not_friends"
        members = tuple(dict.fromkeys((user, *others)))
        self.trees[tree_id] = ModelTree(tree_id, user, members, self.prices[species_id], co=True)
        return "ok"

    def funding_refusal(self, user: str, tree: ModelTree | None) -> str | None:
        if tree is None:
            return "not_found"
        if user not in tree.members:
            return "not_found"  # a tree of others is not theirs to learn of
        if tree.status != "funding":
            return "not_funding"
        return None

    def pool(self, user: str, tree_id: str, amount_g: int) -> str:
        tree = self.trees.get(tree_id)
        if (refused := self.funding_refusal(user, tree)) is not None:
            return refused
        assert tree is not None
        if not 0 < amount_g <= tree.cost_g - tree.pooled_g:
            return "more_than_needed"
        if self.balance[user] < amount_g:
            return "insufficient_energy"
        self.balance[user] -= amount_g
        tree.shares.append((user, amount_g))
        self.transfers += 1
        if tree.pooled_g == tree.cost_g:  # the last share plants it
            tree.status = "promised"
            self.planted_g += tree.cost_g
            self.transfers += 1
        return "ok"

    def cancel(self, user: str, tree_id: str) -> str:
        tree = self.trees.get(tree_id)
        if (refused := self.funding_refusal(user, tree)) is not None:
            return refused
        assert tree is not None
        if user != tree.initiator:
            return "not_initiator"
        for member, grams in tree.shares:
            self.credit(member, grams)
        tree.status = "cancelled"
        return "ok"

    # ---- refunds and chargebacks

    def needs_mint(self, original: str) -> bool:
        """Whether reversing ``original`` makes the service mint first: its award earned
        energy and has no ball yet (the mint job then mints every pending award)."""
        event = self.events.get(original)
        return event is not None and event.award is not None and event.award.ball_id is None

    def reverse(self, reversal_id: str, original: str, occurred_at: dt.datetime) -> ExpectReversal:
        """A reversal event takes its original event's grams back (``domain/reversal.py``)."""
        first = self.reversals.get(reversal_id)
        if first is not None:
            if (first.original, first.occurred_at) == (original, occurred_at):
                return ExpectReversal("applied", first.taken, replayed=True)
            return ExpectReversal("exists_with_different_fields")
        if original in self.reversed_events:
            return ExpectReversal("already_reversed")
        event = self.events.get(original)
        if event is None:
            return ExpectReversal("unknown_event")
        before = self.transfers
        taken = self.claw_back(event)
        self.reversed_events.add(original)
        self.reversals[reversal_id] = Reversal(original, occurred_at, taken)
        return ExpectReversal("applied", taken, transfers=self.transfers - before)

    def claw_back(self, event: Event) -> tuple[int, int, int, int]:
        """From the ball, then what expired from it, then the owner's balance, the rest owed."""
        if event.credited_g == 0 or event.award is None or event.award.ball_id is None:
            return (0, 0, 0, 0)
        ball = self.balls[event.award.ball_id]
        left = event.credited_g
        from_ball = min(left, ball.remaining_g)
        ball.remaining_g -= from_ball
        left -= from_ball
        from_expired = min(left, ball.expired_g - ball.expired_reversed_g)
        ball.expired_reversed_g += from_expired
        self.expired_g -= from_expired
        left -= from_expired
        from_balance = min(left, self.balance[ball.owner])
        self.balance[ball.owner] -= from_balance
        left -= from_balance
        self.owed[ball.owner] += left
        self.issued_g -= event.credited_g
        taken = (from_ball, from_expired, from_balance, left)
        self.transfers += sum(1 for g in taken if g)
        return taken
