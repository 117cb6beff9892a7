"""The state machine that plays the forest game through the real services and the model.

Each rule draws moves (collect, steal, water, protect, plant, co-plant, pool, cancel, refunds,
friends, imports, the mint and expiry jobs), plays them through ``services.game.play`` — in
turns, through the batches of participants' requests, ``services.game_batch`` — and friends on
a real ``Runtime`` with a fake clock, and on ``game_model.Model``; each step checks every
decision, every gram moved and every transfer, and the invariants check every cached
balance, the audit and the trees and covers after each step.

The ``event`` labels name what a run reached (each refusal code, plants, refunds, debts and
their repayment); ``run_state_machine_as_test`` does not report them, so when changing the
strategies, count them by patching this module's ``event`` and running the test.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import event, note
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from saxaul.domain import accounts as ids
from saxaul.domain.clock import from_us
from saxaul.domain.errors import DomainError
from saxaul.domain.ledger import AccountKind
from saxaul.domain.play import (
    CancelTree,
    Collect,
    CoPlant,
    Move,
    Outcome,
    Plant,
    Pool,
    Protect,
    Steal,
    Water,
)
from saxaul.domain.reversal import ReversalRequest
from saxaul.services import friends
from saxaul.services.balls import expire_balls, mint_balls
from saxaul.services.game import play
from saxaul.services.game_batch import MoveRequest, play_together
from saxaul.services.game_views import MoveAnswer
from saxaul.services.imports import import_event_body
from saxaul.services.ledger_audit import audit
from saxaul.services.reversals import reverse_events
from saxaul.services.runtime import Runtime
from saxaul.store.tables import awards, balls, covers, ledger_accounts, trees
from tests.conftest import FakeClock
from tests.game_world import bus_trip_event, enrol, metro_rides
from tests.integration.game_model import (
    BAD_COVER_H,
    BAD_WATER_G,
    FRIENDSHIPS,
    HISTORY_DAYS,
    MOVE_KINDS,
    PLAYERS,
    POOL_CHOICES,
    REFUND,
    RICH_TRIPS,
    RIDES_PER_DAY,
    SPECIES,
    START,
    Award,
    Expect,
    Model,
    ModelTree,
)

RuntimeFactory = Callable[[FakeClock], tuple[Runtime, Callable[[], None]]]


def import_events(rt: Runtime, events: list[dict[str, object]]) -> None:
    """Import ``events`` in one request body, as a transit operator would send them."""
    import_event_body(rt, json.dumps(events).encode(), "application/json", max_rows=10_000)


Played = tuple[str, dict[str, int], int]
"""What the service did with one move: its code ("ok" or the refusal's), the net grams it moved
per account, and how many transfers it wrote."""


def net(pairs: list[tuple[str, str, int]]) -> dict[str, int]:
    """The net grams moved per account by (from, to, grams) transfers."""
    deltas: Counter[str] = Counter()
    for debit, credit, grams in pairs:
        deltas[debit] -= grams
        deltas[credit] += grams
    return {account: g for account, g in deltas.items() if g}


def of_outcome(outcome: Outcome) -> Played:
    """A move played by ``services.game.play``."""
    code = "ok" if outcome.refusal is None else outcome.refusal.code
    moves = [(t.debit_account, t.credit_account, t.amount_g) for t in outcome.transfers]
    return code, net(moves), len(outcome.transfers)


def of_request(result: MoveAnswer | DomainError) -> Played:
    """A move played as a participant's request in a batch (``services.game_batch``)."""
    if isinstance(result, DomainError):
        return str(result.code), {}, 0
    moves = [(t.from_, t.to, t.amount_g) for t in result.transfers]
    return "ok", net(moves), len(result.transfers)


def detail(move: Move, expected: Expect) -> str:
    """For the statistics: a pool that planted, a cancel that refunded several shares."""
    if isinstance(move, Pool) and expected.transfers == 2:
        return " (planted)"
    if isinstance(move, CancelTree) and expected.transfers > 1:
        return " (refunds)"
    return ""


class GameMachine(RuleBasedStateMachine):
    """The services and the model, move by move, compared after each step."""

    def __init__(self, make_runtime: RuntimeFactory, workdir: Path) -> None:
        super().__init__()
        self.clock = FakeClock(START)
        self.rt, self.close = make_runtime(self.clock)
        self.model = Model(self.rt.rules, self.rt.species)
        self.workdir = workdir
        self.tags = itertools.count()
        self.tree_ids = itertools.count(1)
        self.turns = itertools.count()

    def teardown(self) -> None:
        self.close()

    @property
    def now(self) -> dt.datetime:
        return self.clock.now()

    # ---- setting up

    @initialize(
        metro_days=st.tuples(*(st.sampled_from(HISTORY_DAYS) for _ in PLAYERS)),
        rich=st.tuples(*(st.booleans() for _ in PLAYERS)),
        collected=st.tuples(*(st.booleans() for _ in PLAYERS)),
    )
    def world(
        self, metro_days: tuple[int, ...], rich: tuple[bool, ...], collected: tuple[bool, ...]
    ) -> None:
        """Enrol the players, make the fixed friends, import their past trips (one request)
        and mint them. A day later those balls are ripe (exactly); some players collect them
        at once, so the game starts with both energy to spend and ripe balls to steal from."""
        enrol(self.rt, PLAYERS, self.workdir)
        for a, b in FRIENDSHIPS:
            self.befriend_pair(a, b)
        today = self.model.day(self.now)
        events: list[dict[str, object]] = []
        for user, days, is_rich in zip(PLAYERS, metro_days, rich, strict=True):
            for day in (today - dt.timedelta(days=n) for n in range(days, 0, -1)):
                rides = metro_rides(user, RIDES_PER_DAY, day, "history-")
                events += rides
                self.model.import_rides(user, [str(r["event_id"]) for r in rides], day, self.now)
            if is_rich:
                yesterday = today - dt.timedelta(days=1)
                events.append(bus := bus_trip_event(user, RICH_TRIPS, yesterday))
                self.model.import_bus(user, str(bus["event_id"]), RICH_TRIPS, yesterday, self.now)
        if events:
            import_events(self.rt, events)
        self.mint()
        self.clock.advance(hours=24)
        for user, collect_now in zip(PLAYERS, collected, strict=True):
            if collect_now:
                self.collect_all(user)

    def befriend_pair(self, a: str, b: str) -> None:
        friends.invite(self.rt, a, b)
        friends.accept(self.rt, b, a)
        self.model.friends.add(frozenset((a, b)))

    @rule(a=st.sampled_from(PLAYERS), b=st.sampled_from(PLAYERS))
    def befriend(self, a: str, b: str) -> None:
        if a == b:
            expected = "own_account"
        elif self.model.are_friends(a, b):
            expected = "already_friends"
        else:
            self.befriend_pair(a, b)
            return
        with pytest.raises(DomainError) as refused:
            friends.invite(self.rt, a, b)
        assert refused.value.code == expected

    @rule(a=st.sampled_from(PLAYERS), b=st.sampled_from(PLAYERS))
    def unfriend(self, a: str, b: str) -> None:
        if a != b and self.model.are_friends(a, b):
            friends.remove(self.rt, a, b)
            self.model.friends.discard(frozenset((a, b)))
        else:
            with pytest.raises(DomainError) as refused:
                friends.remove(self.rt, a, b)
            assert refused.value.code == "not_found"

    # ---- time and jobs

    @rule(hours=st.integers(0, 100) | st.integers(0, 12))
    def advance(self, hours: int) -> None:
        self.clock.advance(hours=hours)

    @rule(user=st.sampled_from(PLAYERS), count=st.integers(1, 7), mint_now=st.booleans())
    def rides(self, user: str, count: int, mint_now: bool) -> None:
        """Rides on the clock's local day (the sixth and later earn nothing), and the mint job
        now or with a later step (rides, or a refund that needs the ball). One rule for both,
        as each costs a bulk connection (~80 ms on PostgreSQL)."""
        day = self.model.day(self.now)
        rides = metro_rides(user, count, day, f"r{next(self.tags)}-")
        import_events(self.rt, rides)
        self.model.import_rides(user, [str(r["event_id"]) for r in rides], day, self.now)
        if mint_now:
            self.mint()

    def mint(self) -> None:
        """The mint job makes exactly the model's pending awards into balls."""
        expected = self.model.mint()
        assert mint_balls(self.rt) == expected
        self.register_minted()

    def register_minted(self) -> None:
        """Name the model's pending awards by the ids the service gave their balls (the award
        ids), matching each new ball to the pending award of the same owner, behaviour and day
        in import order, and check each ball's amount and times."""
        known = set(self.model.balls)
        with self.rt.db.engine.connect() as conn:
            new = [row for row in conn.execute(sa.select(balls)) if row.id not in known]
            days = {row.id: row.day for row in conn.execute(sa.select(awards.c.id, awards.c.day))}
        minted: defaultdict[tuple[str, str, int], list[Any]] = defaultdict(list)
        for row in sorted(new, key=lambda r: int(r.id)):
            minted[row.owner, row.behaviour, days[int(row.id)]].append(row)
        pending: defaultdict[tuple[str, str, int], list[Award]] = defaultdict(list)
        for award in self.model.pending:
            pending[award.owner, award.behaviour, award.day.toordinal()].append(award)
        assert {k: len(v) for k, v in minted.items()} == {k: len(v) for k, v in pending.items()}
        for key, rows in minted.items():
            for row, award in zip(rows, pending[key], strict=True):
                ball = self.model.add_ball(row.id, award)
                assert (row.amount_g, row.owner) == (ball.amount_g, ball.owner)
                assert from_us(row.created_at_us) == ball.appears_at
                assert from_us(row.ripens_at_us) == ball.ripens_at
                assert from_us(row.expires_at_us) == ball.expires_at
        self.model.pending.clear()

    @rule()
    def expire(self) -> None:
        expected = self.model.expire(self.now)
        assert expire_balls(self.rt) == expected
        event(f"expire job: {'some' if expected.balls else 'none'}")

    # ---- drawing moves: any player, but half the time one for whom the move can succeed

    def player(self, data: st.DataObject, *likely: str) -> str:
        if likely and data.draw(st.booleans()):
            return data.draw(st.sampled_from(sorted(likely)))
        return data.draw(st.sampled_from(PLAYERS))

    def friends_of(self, user: str) -> list[str]:
        return [p for p in PLAYERS if self.model.are_friends(user, p)]

    def with_energy(self, at_least_g: int) -> list[str]:
        return [p for p in PLAYERS if self.model.balance[p] >= at_least_g]

    def ball(self, data: st.DataObject) -> tuple[str, str | None]:
        """A ball id and its owner: half the time one that is ripe and not empty."""
        now = self.now
        live = [
            b.id
            for b in self.model.balls.values()
            if b.ripens_at <= now < b.expires_at and b.remaining_g > 0
        ]
        pool = live if live and data.draw(st.booleans()) else [*self.model.balls, "nope"]
        ball_id = data.draw(st.sampled_from(sorted(pool, key=lambda i: (len(i), i))))
        ball = self.model.balls.get(ball_id)
        return ball_id, None if ball is None else ball.owner

    def tree(self, data: st.DataObject) -> tuple[str, ModelTree | None]:
        """A tree id: half the time one still funding, else any (or one that does not exist)."""
        funding = sorted(t.id for t in self.model.trees.values() if t.status == "funding")
        pool = funding if funding and data.draw(st.booleans()) else [*self.model.trees, "t0"]
        tree_id = data.draw(st.sampled_from(sorted(pool)))
        return tree_id, self.model.trees.get(tree_id)

    def new_tree_id(self, data: st.DataObject) -> str:
        """A new tree id, now and then one already used (a request made twice)."""
        if self.model.trees and data.draw(st.integers(0, 7)) == 0:
            return data.draw(st.sampled_from(sorted(self.model.trees)))
        return f"t{next(self.tree_ids)}"

    def draw_collect(self, data: st.DataObject) -> Move:
        ball_id, owner = self.ball(data)
        return Collect(self.player(data, *filter(None, [owner])), ball_id)

    def draw_steal(self, data: st.DataObject) -> Move:
        ball_id, owner = self.ball(data)
        return Steal(self.player(data, *(self.friends_of(owner) if owner else [])), ball_id)

    def draw_water(self, data: st.DataObject) -> Move:
        giver = self.player(data, *self.with_energy(10))
        amount = data.draw(st.sampled_from((10, 18, 66, 10, 18, 66, *BAD_WATER_G)))
        return Water(giver, self.player(data, *self.friends_of(giver)), amount)

    def draw_protect(self, data: st.DataObject) -> Move:
        hours = data.draw(st.sampled_from((24, 72, 168, 24, 72, 168, *BAD_COVER_H)))
        return Protect(self.player(data), hours)

    def draw_plant(self, data: st.DataObject) -> Move:
        user = self.player(data, *self.with_energy(min(self.model.prices.values())))
        return Plant(user, data.draw(st.sampled_from(SPECIES)), self.new_tree_id(data))

    def draw_co_plant(self, data: st.DataObject) -> Move:
        user = self.player(data)
        likely = (self.friends_of(user) if data.draw(st.booleans()) else []) or PLAYERS
        others = data.draw(st.lists(st.sampled_from(likely), unique=True, max_size=3))
        named = tuple(other for other in others if other != user)
        return CoPlant(user, data.draw(st.sampled_from(SPECIES)), named, self.new_tree_id(data))

    def draw_pool(self, data: st.DataObject) -> Move:
        tree_id, tree = self.tree(data)
        members = tree.members if tree else ()
        user = self.player(data, *([m for m in members if self.model.balance[m]] or members))
        choice = data.draw(st.sampled_from(POOL_CHOICES))
        needed = 0 if tree is None else tree.cost_g - tree.pooled_g
        amount = {"rest": needed, "over": needed + 1}.get(str(choice), choice)
        assert isinstance(amount, int)
        return Pool(user, tree_id, amount)

    def draw_cancel(self, data: st.DataObject) -> Move:
        tree_id, tree = self.tree(data)
        return CancelTree(self.player(data, *([tree.initiator] if tree else [])), tree_id)

    # ---- moves

    def check(self, moves: list[Move]) -> None:
        """Play ``moves`` as one batch on the service and the model; every outcome must agree:
        applied or refused with the same code, and the same grams moved between the same
        accounts in the same number of transfers. Batches alternate between ``game.play`` and
        the path participants' requests take (``game_batch.play_together``)."""
        played = self.play(moves)
        for move, (code, grams, transfers) in zip(moves, played, strict=True):
            before, settled = self.model.accounts(), self.model.settlements
            expected = self.model.play(move, self.now)
            after = self.model.accounts()
            note(f"{move} → service {code}, model {expected.code}")
            event(f"{type(move).__name__}: {expected.code}{detail(move, expected)}")
            if self.model.settlements > settled:
                event("a credit repaid debt")
            assert code == expected.code
            deltas = {a: after.get(a, 0) - before.get(a, 0) for a in after.keys() | before.keys()}
            assert grams == {a: g for a, g in deltas.items() if g}
            assert transfers == expected.transfers

    def play(self, moves: list[Move]) -> list[Played]:
        if next(self.turns) % 2:
            batch = [MoveRequest(move, None) for move in moves]
            results = self.rt.db.write(lambda uow: play_together(uow, self.rt, batch))
            return [of_request(result) for result in results]
        outcomes = play(self.rt, moves)
        assert [o.move for o in outcomes] == moves
        return [of_outcome(outcome) for outcome in outcomes]

    @rule(data=st.data())
    def collect(self, data: st.DataObject) -> None:
        self.check([self.draw_collect(data)])

    @rule(data=st.data())
    def collect_some_player(self, data: st.DataObject) -> None:
        now = self.now
        live = [b.owner for b in self.model.balls.values() if b.ripens_at <= now < b.expires_at]
        self.collect_all(self.player(data, *live))

    def collect_all(self, user: str) -> None:
        """One batch collecting every ball the user owns, whatever its state."""
        mine = sorted((b.id for b in self.model.balls.values() if b.owner == user), key=int)
        self.check([Collect(user, ball_id) for ball_id in mine])

    @rule(data=st.data())
    def steal(self, data: st.DataObject) -> None:
        self.check([self.draw_steal(data)])

    @rule(user=st.sampled_from(PLAYERS))
    def steal_all(self, user: str) -> None:
        """One batch stealing from every ball of the others (the daily limit bites here)."""
        theirs = sorted((b.id for b in self.model.balls.values() if b.owner != user), key=int)
        self.check([Steal(user, ball_id) for ball_id in theirs])

    @rule(data=st.data())
    def water(self, data: st.DataObject) -> None:
        self.check([self.draw_water(data)])

    @rule(data=st.data())
    def water_spree(self, data: st.DataObject) -> None:
        """One giver waters friends more often than the day allows, in one batch."""
        giver = self.player(data, *self.with_energy(40))
        targets = self.friends_of(giver) or [p for p in PLAYERS if p != giver]
        receivers = data.draw(st.lists(st.sampled_from(targets), min_size=4, max_size=4))
        self.check([Water(giver, receiver, 10) for receiver in receivers])

    @rule(data=st.data())
    def protect(self, data: st.DataObject) -> None:
        self.check([self.draw_protect(data)])

    @rule(data=st.data())
    def plant(self, data: st.DataObject) -> None:
        self.check([self.draw_plant(data)])

    @rule(data=st.data())
    def co_plant(self, data: st.DataObject) -> None:
        self.check([self.draw_co_plant(data)])

    @precondition(lambda self: bool(self.model.trees))
    @rule(data=st.data())
    def pool(self, data: st.DataObject) -> None:
        self.check([self.draw_pool(data)])

    @precondition(lambda self: bool(self.model.trees))
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        self.check([self.draw_cancel(data)])

    @rule(data=st.data())
    def co_plant_together(self, data: st.DataObject) -> None:
        """A co-planting with every friend: each planter pools in their own request, then the
        initiator may call it off (each share goes back to its giver) or the last share plants
        it."""
        user = self.player(data, *(p for p in PLAYERS if self.friends_of(p)))
        tree_id = f"t{next(self.tree_ids)}"
        species = data.draw(st.sampled_from(SPECIES[:3]))
        self.check([CoPlant(user, species, tuple(self.friends_of(user)), tree_id)])
        tree = self.model.trees.get(tree_id)
        if tree is None:
            return
        for member in tree.members:
            have = self.model.balance[member]
            needed = tree.cost_g - tree.pooled_g
            amount = data.draw(st.sampled_from((1, max(1, have // 2), have, needed)))
            self.check([Pool(member, tree_id, amount)])
        if data.draw(st.booleans()):
            self.check([CancelTree(user, tree_id)])

    @rule(data=st.data())
    def reverse(self, data: st.DataObject) -> None:
        """A refund of one imported trip, a retry of an earlier refund, or one that names
        another trip under an earlier refund's id, or a trip that was never imported."""
        if self.model.reversals and data.draw(st.integers(0, 4)) == 0:
            reversal_id = data.draw(st.sampled_from(sorted(self.model.reversals)))
            first = self.model.reversals[reversal_id]
            original = first.original if data.draw(st.booleans()) else self.any_event(data)
            occurred_at = first.occurred_at
        else:
            reversal_id = f"rv{next(self.tags)}"
            original = self.any_event(data)
            occurred_at = self.now
        self.check_reversal(reversal_id, original, occurred_at)

    def check_reversal(self, reversal_id: str, original: str, occurred_at: dt.datetime) -> None:
        """Reverse ``original`` on the service and the model: the same status, the same
        grams from the ball, expired, the owner's balance and as debt."""
        mints = self.model.needs_mint(original)
        if mints:  # the service mints first: a ball's amount comes from its award
            self.model.mint()
        request = ReversalRequest("transit", reversal_id, original, REFUND, occurred_at)
        (result,) = reverse_events(self.rt, [request])
        if mints:
            self.register_minted()
            event("reversal: minted its award's ball first")
        expected = self.model.reverse(reversal_id, original, occurred_at)
        event(f"reversal: {expected.status}{' (replayed)' if expected.replayed else ''}")
        if expected.taken[3] and not expected.replayed:
            event("reversal: left a debt")
        clawback = result.clawback
        taken = (
            clawback.from_ball_g,
            clawback.from_expired_g,
            clawback.from_balance_g,
            clawback.debt_g,
        )
        note(f"{request} → service {result.status} {taken}, model {expected}")
        assert (result.status.value, result.replayed) == (expected.status, expected.replayed)
        assert taken == expected.taken

    def rich_unrefunded(self) -> list[tuple[str, str]]:
        """(player, bus event) for each player who collected a bus ball not refunded yet."""
        return [
            (e.owner, event_id)
            for event_id, e in sorted(self.model.events.items())
            if e.award and e.award.behaviour == "bus_ride" and e.award.ball_id
            if event_id not in self.model.reversed_events
            if self.model.balls[e.award.ball_id].takes[e.owner]
        ]

    @precondition(lambda self: bool(self.rich_unrefunded()))
    @rule(data=st.data())
    def refund_after_planting(self, data: st.DataObject) -> None:
        """A player plants with energy whose payment is then refunded: what is left of their
        balance goes back and the rest is owed; a friend's watering then repays part of it."""
        user, bus_event = data.draw(st.sampled_from(self.rich_unrefunded()))
        self.check([Plant(user, "caragana", f"t{next(self.tree_ids)}")])
        self.check_reversal(f"rv{next(self.tags)}", bus_event, self.now)
        givers = [f for f in self.friends_of(user) if self.model.balance[f] >= 10]
        if givers:
            self.check([Water(data.draw(st.sampled_from(givers)), user, 10)])

    def any_event(self, data: st.DataObject) -> str:
        """An imported trip, now and then one never imported. Often a trip whose ball is
        empty (the refund reaches the owner's balance, or leaves a debt) or not minted yet
        (the service mints it first)."""
        if not self.model.events or data.draw(st.integers(0, 9)) == 0:
            return "never-imported"
        events = self.model.events
        spent = [
            event_id
            for event_id, e in events.items()
            if e.credited_g and e.award and e.award.ball_id
            if self.model.balls[e.award.ball_id].remaining_g == 0
        ]
        unminted = [i for i, e in events.items() if e.award and e.award.ball_id is None]
        pool = data.draw(st.sampled_from([p for p in (spent, unminted) if p] + [list(events)]))
        return data.draw(st.sampled_from(sorted(pool)))

    @rule(kinds=st.lists(st.sampled_from(MOVE_KINDS), min_size=2, max_size=6), data=st.data())
    def mixed_batch(self, kinds: list[str], data: st.DataObject) -> None:
        """Several moves in one batch: each sees what the ones before it did."""
        self.check([getattr(self, f"draw_{kind}")(data) for kind in kinds])

    # ---- invariants

    @invariant()
    def balances_match_the_model(self) -> None:
        expected = self.model.accounts()
        with self.rt.db.engine.connect() as conn:
            rows = conn.execute(
                sa.select(ledger_accounts.c.id, ledger_accounts.c.kind, ledger_accounts.c.balance_g)
            ).all()
        kept = {AccountKind.PARTICIPANT, AccountKind.BALL, AccountKind.TREE}
        cached = {row.id: row.balance_g for row in rows if row.kind in kept}
        wanted = {a: g for a, g in expected.items() if ids.kind_of(a) in kept}
        assert {a: g for a, g in cached.items() if g} == {a: g for a, g in wanted.items() if g}
        opened = {row.id for row in rows if row.kind in {"ball", "tree"}}
        assert opened == {a for a in wanted if ids.kind_of(a) is not AccountKind.PARTICIPANT}

    @invariant()
    def the_audit_is_clean_and_totals_match(self) -> None:
        report = audit(self.rt)
        assert report.problems == []
        model = self.model
        by_kind = report.by_kind
        assert by_kind.get("participant", 0) == sum(model.balance.values())
        assert by_kind.get("ball", 0) == sum(b.remaining_g for b in model.balls.values())
        assert by_kind.get("tree", 0) == sum(model.pool_g(t) for t in model.trees.values())
        assert by_kind.get("planted", 0) == model.planted_g
        assert by_kind.get("expired", 0) == model.expired_g
        assert report.issued_g == model.issued_g
        held = ("participant", "ball", "tree", "planted", "expired", "debt")
        assert by_kind.get("debt", 0) == -sum(model.owed.values())
        assert report.issued_g == sum(by_kind.get(kind, 0) for kind in held)
        assert report.transfers == model.transfers

    @invariant()
    def trees_and_covers_match_the_model(self) -> None:
        with self.rt.db.engine.connect() as conn:
            stored = {
                row.id: row.status for row in conn.execute(sa.select(trees.c.id, trees.c.status))
            }
            cover_count = conn.execute(sa.select(sa.func.count()).select_from(covers)).scalar()
        assert stored == {tree.id: tree.status for tree in self.model.trees.values()}
        assert cover_count == self.model.covers
