"""One batch of game moves against the state they touch: the rules applied in order, in memory.

Why a batch: the service layer loads everything a batch of moves needs in a handful of queries
(locking the accounts it will debit), plays every move here, then writes all resulting transfers
in one transaction (TigerBeetle's batching). A move the rules refuse is an
``Outcome`` with its refusal and changes nothing; the others proceed, so one HTTP request is a
batch of one and a benchmark's batch of 1,000 follows the very same rules.

Each move calls the rule's one home (``energy``, ``watering``, ``protection``, ``planting``,
``debts``) and posts the transfers it returns through ``ledger.post`` together, all or none. A
participant who owes energy repays from whatever the move credits them (``debts.settle``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from saxaul.domain import accounts, energy, planting, protection, watering
from saxaul.domain.book import Book
from saxaul.domain.debts import settle
from saxaul.domain.energy import Ball, EnergyRefused
from saxaul.domain.game_rules import EnergyRules, Species, SpeciesCatalogue
from saxaul.domain.ledger import AccountKind, Transfer, TransferKind
from saxaul.domain.liabilities import Capacity
from saxaul.domain.planting import Tree, TreeStatus
from saxaul.domain.protection import Cover


@dataclass(frozen=True, slots=True)
class Collect:
    """The owner collects a ripe ball."""

    actor: str
    ball_id: str


@dataclass(frozen=True, slots=True)
class Steal:
    """A friend steals a share of a ripe ball; with ``owner``, only if it is that friend's ball
    (the request names whose forest the thief is in, so a steal never lands elsewhere)."""

    actor: str
    ball_id: str
    owner: str | None = None


@dataclass(frozen=True, slots=True)
class Water:
    """The actor gives a friend one watering step of energy."""

    actor: str
    friend: str
    amount_g: int


@dataclass(frozen=True, slots=True)
class Protect:
    """The actor puts on a protection cover lasting ``hours``."""

    actor: str
    hours: int


@dataclass(frozen=True, slots=True)
class Plant:
    """The actor plants a tree of ``species_id`` alone; ``tree_id`` is derived from the request."""

    actor: str
    species_id: str
    tree_id: str


@dataclass(frozen=True, slots=True)
class CoPlant:
    """The actor starts co-planting a tree with friends."""

    actor: str
    species_id: str
    friends: tuple[str, ...]
    tree_id: str


@dataclass(frozen=True, slots=True)
class Pool:
    """A planter pools energy into a co-planted tree."""

    actor: str
    tree_id: str
    amount_g: int


@dataclass(frozen=True, slots=True)
class CancelTree:
    """The initiator calls off a co-planting; shares are refunded."""

    actor: str
    tree_id: str


Move = Collect | Steal | Water | Protect | Plant | CoPlant | Pool | CancelTree
Subject = Ball | Tree | Cover | None


class LedgerRefused(EnergyRefused):
    """The ledger refused a move's transfers (``exists``, ``exceeds_balance``, …): nothing moved.

    Seen when a move is replayed after it landed, or when state changed under a stale read.
    """

    code = "ledger_refused"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one move did: its transfers and what it changed, or why it was refused."""

    move: Move
    transfers: tuple[Transfer, ...] = ()
    subject: Subject = None
    refusal: EnergyRefused | None = None

    @property
    def ok(self) -> bool:
        """Whether the move was applied."""
        return self.refusal is None


@dataclass(frozen=True, slots=True)
class Needs:
    """What a batch reads: accounts to lock, balls, trees, friend pairs, per-user facts."""

    accounts: frozenset[str]
    balls: frozenset[str]
    trees: frozenset[str]
    pairs: frozenset[frozenset[str]]
    users: frozenset[str]
    counted: frozenset[str]
    """Players whose steals and waterings today limit a move in the batch."""
    protecting: frozenset[str]
    """Players putting on a cover, whose current cover matters."""
    species: frozenset[str] = frozenset()
    """Species the batch plants or starts co-planting: their projects' rooms are locked."""


def needs(moves: Iterable[Move]) -> Needs:
    """Everything ``Table`` must be loaded with to play ``moves``."""
    account_ids: set[str] = set()
    balls: set[str] = set()
    trees: set[str] = set()
    pairs: set[frozenset[str]] = set()
    users: set[str] = set()
    counted: set[str] = set()
    protecting: set[str] = set()
    species: set[str] = set()
    for move in moves:
        users.add(move.actor)
        match move:
            case Collect(ball_id=ball_id):
                balls.add(ball_id)
                account_ids.add(accounts.ball_account_id(ball_id))
            case Steal(ball_id=ball_id):
                balls.add(ball_id)
                account_ids.add(accounts.ball_account_id(ball_id))
                counted.add(move.actor)
            case Water(friend=friend):
                users.add(friend)
                pairs.add(frozenset((move.actor, friend)))
                counted.add(move.actor)
            case Pool(tree_id=tree_id) | CancelTree(tree_id=tree_id):
                trees.add(tree_id)
                account_ids.add(accounts.tree_account_id(tree_id))
            case CoPlant(friends=friends, tree_id=tree_id, species_id=species_id):
                pairs.update(frozenset((move.actor, f)) for f in friends)
                trees.add(tree_id)
                species.add(species_id)
            case Plant(tree_id=tree_id, species_id=species_id):
                trees.add(tree_id)
                species.add(species_id)
            case Protect():
                protecting.add(move.actor)
    account_ids.update(accounts.participant_account_id(user) for user in users)
    return Needs(
        frozenset(account_ids),
        frozenset(balls),
        frozenset(trees),
        frozenset(pairs),
        frozenset(users),
        frozenset(counted),
        frozenset(protecting),
        frozenset(species),
    )


def steal_targets(moves: Iterable[Move], balls: Mapping[str, Ball]) -> set[tuple[str, str]]:
    """``(thief, owner)`` of every steal in the batch, known once the balls are loaded."""
    return {
        (move.actor, balls[move.ball_id].owner)
        for move in moves
        if isinstance(move, Steal) and move.ball_id in balls
    }


def friend_pairs(need: Needs, targets: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Every pair whose friendship the batch asks about: ``need.pairs`` and each steal's."""
    pairs = set(need.pairs) | {frozenset(target) for target in targets}
    return sorted((min(pair), max(pair)) for pair in pairs if len(pair) == 2)


def local_day_start(now: dt.datetime, rules: EnergyRules) -> dt.datetime:
    """The start of ``now``'s local calendar day in the rules' zone: daily limits count from it."""
    local = now.astimezone(ZoneInfo(rules.timezone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def local_week_start(now: dt.datetime, rules: EnergyRules) -> dt.datetime:
    """Monday 00:00 of ``now``'s local week: the weekly leaderboard counts from it."""
    day = local_day_start(now, rules)
    return day - dt.timedelta(days=day.weekday())


@dataclass(slots=True, kw_only=True)
class Table(Book):
    """The books of one batch of moves (``Book``: loaded participant, ball and tree accounts,
    their balances, what each player owes) plus what the game rules read and change: trees,
    friendships, covers and today's counts."""

    rules: EnergyRules
    species: SpeciesCatalogue
    trees: dict[str, Tree]
    friends: set[frozenset[str]]
    covered_until: dict[str, dt.datetime]
    steals_today: Counter[str]
    waterings_today: Counter[str]
    covers: list[Cover] = field(default_factory=list)
    changed_trees: dict[str, Tree] = field(default_factory=dict)
    capacity: Capacity | None = None
    """The rooms of the species the batch plants (``domain.liabilities``): a new tree takes a
    place or is refused ``no_capacity``. ``None`` for a table that checks the other rules only;
    the game service always loads one."""

    def play_all(self, moves: Iterable[Move]) -> list[Outcome]:
        """Play ``moves`` in order; later moves see what earlier ones changed."""
        return [self.play(move) for move in moves]

    def play(self, move: Move) -> Outcome:
        """Apply one move, or return its refusal with nothing changed."""
        try:
            subject, transfers = self._rule(move)
            transfers = self._with_settlements(transfers)
            self._post(transfers)
        except EnergyRefused as refusal:
            return Outcome(move, refusal=refusal)
        self._keep(subject)
        return Outcome(move, tuple(transfers), subject)

    def _are_friends(self, a: str, *others: str) -> bool:
        return all(frozenset((a, other)) in self.friends for other in others)

    def _ball(self, ball_id: str) -> Ball:
        ball = self.balls.get(ball_id)
        if ball is None:
            raise EnergyRefused(f"there is no ball {ball_id}", code="not_found", ball_id=ball_id)
        return ball

    @staticmethod
    def _no_ball(ball_id: str, owner: str) -> EnergyRefused:
        return EnergyRefused(
            f"{owner} has no ball {ball_id}",
            code="not_found",
            owner=owner,
            ball_id=ball_id,
            field="ball_id",
        )

    def _tree(self, tree_id: str) -> Tree:
        tree = self.trees.get(tree_id)
        if tree is None:
            raise EnergyRefused(f"there is no tree {tree_id}", code="not_found", tree_id=tree_id)
        return tree

    def _rule(self, move: Move) -> tuple[Subject, tuple[Transfer, ...]]:
        """The rule's verdict: what the move makes and the transfers it needs (or a refusal)."""
        now, rules = self.now, self.rules
        match move:
            case Collect(actor, ball_id):
                return energy.collect(self._ball(ball_id), actor, now)
            case Steal(actor, ball_id, owner):
                found = self.balls.get(ball_id)
                if owner is not None and (found is None or found.owner != owner):
                    raise self._no_ball(ball_id, owner)
                ball = self._ball(ball_id)
                return energy.steal(
                    ball,
                    actor,
                    now,
                    rules,
                    are_friends=self._are_friends(actor, ball.owner),
                    steals_today=self.steals_today[actor],
                    owner_covered_until=self.covered_until.get(ball.owner),
                )
            case Water(actor, friend, amount_g):
                return None, watering.water(
                    actor,
                    friend,
                    amount_g,
                    now,
                    rules,
                    are_friends=self._are_friends(actor, friend),
                    waterings_today=self.waterings_today[actor],
                    giver_balance_g=self.balance(actor),
                )
            case Protect(actor, hours):
                cover = protection.protect(
                    actor, hours, now, rules, covered_until=self.covered_until.get(actor)
                )
                return cover, ()
            case Plant(actor, species_id, tree_id):
                self._new_tree(tree_id)
                species = self._species(species_id)
                planted = planting.plant(
                    tree_id, actor, species, self.species.ref, now, balance_g=self.balance(actor)
                )
                self._check_capacity(species)
                return planted
            case CoPlant(actor, species_id, friends, tree_id):
                self._new_tree(tree_id)
                species = self._species(species_id)
                tree = planting.start_co_planting(
                    tree_id,
                    actor,
                    friends,
                    species,
                    self.species.ref,
                    now,
                    are_friends=self._are_friends(actor, *friends),
                )
                self._check_capacity(species)
                return tree, ()
            case Pool(actor, tree_id, amount_g):
                return planting.pool(
                    self._tree(tree_id), actor, amount_g, now, balance_g=self.balance(actor)
                )
            case CancelTree(actor, tree_id):
                return planting.cancel(self._tree(tree_id), actor, now)

    def _new_tree(self, tree_id: str) -> None:
        if tree_id in self.trees:
            raise EnergyRefused(
                f"tree {tree_id} already exists: this request was already made",
                code="already_exists",
                tree_id=tree_id,
            )

    def _check_capacity(self, species: Species) -> None:
        if self.capacity is not None:
            self.capacity.check(species)

    def _species(self, species_id: str) -> Species:
        try:
            return self.species.get(species_id)
        except KeyError as missing:
            raise EnergyRefused(
                f"there is no species {missing}", code="unknown_species", species_id=species_id
            ) from None

    def _with_settlements(self, transfers: tuple[Transfer, ...]) -> tuple[Transfer, ...]:
        """Add a debt repayment after each transfer that credits a participant who owes energy."""
        out: list[Transfer] = []
        owed = dict(self.owed_g)
        for transfer in transfers:
            out.append(transfer)
            account = self.accounts.get(transfer.credit_account)
            if account is None or account.kind is not AccountKind.PARTICIPANT:
                continue
            user = account.user_id or ""
            repayment = settle(user, owed.get(user, 0), transfer.amount_g, self.now, transfer.id)
            if repayment is not None:
                owed[user] -= repayment.amount_g
                out.append(repayment)
        return tuple(out)

    def _post(self, transfers: tuple[Transfer, ...]) -> None:
        """Post a move's transfers all together, or refuse the move with the first bad code."""
        for transfer in transfers:
            for account_id in (transfer.debit_account, transfer.credit_account):
                if account_id not in self.accounts:
                    self._open_pool(account_id)
        refused = self.post(transfers)
        if refused is not None:
            raise LedgerRefused(
                f"the ledger refused {refused.transfer_id}: {refused.code}",
                code=str(refused.code),
                transfer_id=refused.transfer_id,
            )
        for transfer in transfers:
            self._count(transfer)

    def _count(self, transfer: Transfer) -> None:
        """Keep today's counts, which limit later moves in the batch, up to date."""
        if transfer.kind is TransferKind.STEAL:
            self.steals_today[self.accounts[transfer.credit_account].user_id or ""] += 1
        elif transfer.kind is TransferKind.WATER:
            self.waterings_today[self.accounts[transfer.debit_account].user_id or ""] += 1

    def _open_pool(self, account_id: str) -> None:
        """Open a tree pool created by this batch; any other unknown account stays refused."""
        parsed = accounts.parse(account_id)
        if parsed.kind is AccountKind.TREE and parsed.key in self.trees:
            self.open(self.trees[parsed.key].account)

    def _allocate(self, tree: Tree) -> None:
        """A new tree takes its place (checked before its transfers were posted); a cancelled
        co-planting gives its place back."""
        if self.capacity is None:
            return
        if tree.id not in self.trees:
            self.capacity.allocate(tree.id, tree.species_id, self.now)
        elif tree.status is TreeStatus.CANCELLED:
            self.capacity.release(tree.id)

    def _keep(self, subject: Subject) -> None:
        match subject:
            case Ball():
                self.balls[subject.id] = subject
            case Tree():
                self._allocate(subject)
                self.trees[subject.id] = subject
                self.changed_trees[subject.id] = subject
                if subject.mode is planting.TreeMode.CO:
                    self.open(subject.account)
            case Cover():
                self.covers.append(subject)
                self.covered_until[subject.user_id] = subject.ends_at
            case None:
                pass
