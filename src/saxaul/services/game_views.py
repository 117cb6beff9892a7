"""What a participant sees of balls, trees, covers, moves and forests: typed views.

Why here and not in the API: the answer to a move is stored with it (``services.game``) and
replayed to a retried request, so it must be built below the HTTP layer, and it turns into the
JSON it is stored as and back (``view_json``); the CLI and the demo read the same views, and the
API maps each onto its response schema. Names of species come in Chinese and English.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from saxaul.domain import certificates, energy
from saxaul.domain.energy import Ball, EnergyRefused
from saxaul.domain.game_rules import EnergyRules
from saxaul.domain.ledger import Transfer, TransferKind
from saxaul.domain.liabilities import LiabilityStatus
from saxaul.domain.planting import Tree, TreeMode, TreeStatus
from saxaul.domain.play import Outcome
from saxaul.domain.protection import Cover
from saxaul.services.runtime import Runtime
from saxaul.services.view_json import JSON_NAME, fields_of, from_json, to_json

BallState = Literal["growing", "ripe", "empty", "expired"]


@dataclass(frozen=True, slots=True)
class Take:
    """One take from a ball (a collect or a steal), or one share pooled into a tree."""

    user_id: str
    grams: int


@dataclass(frozen=True, slots=True)
class BallView:
    """A ball with its times, what is left, and who took what."""

    id: str
    owner: str
    behaviour: str
    amount_g: int
    remaining_g: int
    state: BallState
    created_at: dt.datetime
    ripens_at: dt.datetime
    expires_at: dt.datetime
    taken_by: tuple[Take, ...]
    expired_g: int


@dataclass(frozen=True, slots=True)
class FriendBallView(BallView):
    """A friend's ball, with what the viewer could steal from it now (0: nothing)."""

    stealable_g: int


@dataclass(frozen=True, slots=True)
class SpeciesName:
    """A species by name."""

    id: str
    name_zh: str
    name_en: str
    scientific_name: str


@dataclass(frozen=True, slots=True)
class Certificate:
    """Where a promised tree's signed certificate is, with its gist in Chinese and English.

    The certificate itself is a signed file (``services.certificates``) fetched from ``url``
    and signed by the key ``key_id``. Answers stored before certificates were signed have no
    ``url`` or ``key_id`` (``None``).
    """

    number: str
    species_zh: str
    species_en: str
    region_zh: str
    region_en: str
    partner_zh: str
    partner_en: str
    planting: str
    planting_zh: str
    url: str | None = None
    key_id: str | None = None


@dataclass(frozen=True, slots=True)
class PlantingView:
    """Where a promised tree stands in the real world, in Chinese and English."""

    status: LiabilityStatus
    label_en: str
    label_zh: str
    replacements: int

    @classmethod
    def of(cls, status: LiabilityStatus, replacements: int) -> PlantingView:
        return cls(status, status.label_en, status.label_zh, replacements)


@dataclass(frozen=True, slots=True)
class TreeView:
    """A tree: its species, how far its funding has got, its planters and certificate."""

    id: str
    species: SpeciesName
    catalogue: str
    mode: TreeMode
    status: TreeStatus
    cost_g: int
    pooled_g: int
    progress: float
    initiator: str
    members: tuple[str, ...]
    shares: tuple[Take, ...]
    created_at: dt.datetime
    promised_at: dt.datetime | None
    certificate: Certificate | None
    planting: PlantingView | None = None
    """Once promised and known to the planting pipeline: owed, ordered, planted, alive, lost."""


@dataclass(frozen=True, slots=True)
class CoverView:
    """A protection cover."""

    user_id: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    hours: int


@dataclass(frozen=True, slots=True)
class TransferView:
    """One ledger transfer."""

    id: str
    kind: TransferKind
    from_: str = field(metadata={JSON_NAME: "from"})
    to: str
    amount_g: int
    at: dt.datetime
    reference: str


@dataclass(frozen=True, slots=True)
class MoveAnswer:
    """The answer to an applied move: its transfers and the ball, tree or cover it changed.

    ``replayed``: this is the answer stored for an earlier request with the same
    Idempotency-Key, and nothing moved again.
    """

    move: str
    transfers: tuple[TransferView, ...]
    ball: BallView | None = None
    tree: TreeView | None = None
    cover: CoverView | None = None
    replayed: bool = False

    def to_json(self) -> dict[str, Any]:
        """The answer as plain JSON, as stored for a replay."""
        return to_json(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MoveAnswer:
        """The answer ``to_json`` stored."""
        return from_json(cls, data)


def ball_state(ball: Ball, now: dt.datetime) -> BallState:
    """``growing`` (not ripe yet), ``ripe``, ``empty`` (all taken) or ``expired``."""
    if ball.is_expired(now):
        return "expired"
    if ball.remaining_g <= 0:
        return "empty"
    return "ripe" if ball.is_ripe(now) else "growing"


def ball_view(ball: Ball, now: dt.datetime) -> BallView:
    """A ball as its owner sees it ``now``."""
    return BallView(
        id=ball.id,
        owner=ball.owner,
        behaviour=ball.behaviour,
        amount_g=ball.amount_g,
        remaining_g=ball.remaining_g,
        state=ball_state(ball, now),
        created_at=ball.created_at,
        ripens_at=ball.ripens_at,
        expires_at=ball.expires_at,
        taken_by=tuple(Take(user, grams) for user, grams in ball.taken_by),
        expired_g=ball.expired_g,
    )


def friend_ball_view(
    ball: Ball,
    viewer: str,
    now: dt.datetime,
    rules: EnergyRules,
    covered_until: dt.datetime | None,
) -> FriendBallView:
    """A friend's ball as ``viewer`` sees it ``now``."""
    return FriendBallView(
        **fields_of(ball_view(ball, now)),
        stealable_g=stealable_g(ball, viewer, now, rules, covered_until),
    )


def stealable_g(
    ball: Ball,
    thief: str,
    now: dt.datetime,
    rules: EnergyRules,
    covered_until: dt.datetime | None,
) -> int:
    """What the friend ``thief`` would take from ``ball`` now (0: nothing), asked of the steal
    rule itself; only the thief's daily limit is left out, as it is about them, not the ball."""
    try:
        _, (transfer,) = energy.steal(
            ball,
            thief,
            now,
            rules,
            are_friends=True,
            steals_today=0,
            owner_covered_until=covered_until,
        )
    except EnergyRefused:
        return 0
    return transfer.amount_g


def tree_view(tree: Tree, rt: Runtime, planting: PlantingView | None = None) -> TreeView:
    """A tree with its species (zh/en), progress, planters and, once promised, its certificate
    and where its planting stands (``planting``, read by the caller from the pipeline)."""
    species = rt.species.get(tree.species_id)
    certificate = None
    if tree.status is TreeStatus.PROMISED:
        certificate = Certificate(
            number=certificates.number(tree.id),
            species_zh=species.name_zh,
            species_en=species.name_en,
            region_zh=species.region.name_zh,
            region_en=species.region.name_en,
            partner_zh=species.partner.name_zh,
            partner_en=species.partner.name_en,
            planting="promised: the partner will plant it and add evidence"
            if planting is None
            else planting.label_en,
            planting_zh="已承诺：合作伙伴将种下并提交凭证"
            if planting is None
            else planting.label_zh,
            url=certificates.url(tree.id),
            key_id=rt.keys.key_id,
        )
    return TreeView(
        id=tree.id,
        species=SpeciesName(species.id, species.name_zh, species.name_en, species.scientific_name),
        catalogue=tree.catalogue,
        mode=tree.mode,
        status=tree.status,
        cost_g=tree.cost_g,
        pooled_g=tree.pooled_g,
        progress=round(tree.pooled_g / tree.cost_g, 4),
        initiator=tree.initiator,
        members=tree.members,
        shares=tuple(Take(user, grams) for user, grams in tree.shares),
        created_at=tree.created_at,
        promised_at=tree.promised_at,
        certificate=certificate,
        planting=planting,
    )


def cover_view(cover: Cover) -> CoverView:
    """A protection cover."""
    return CoverView(cover.user_id, cover.starts_at, cover.ends_at, cover.hours)


def transfer_view(transfer: Transfer) -> TransferView:
    """One ledger transfer."""
    return TransferView(
        id=transfer.id,
        kind=transfer.kind,
        from_=transfer.debit_account,
        to=transfer.credit_account,
        amount_g=transfer.amount_g,
        at=transfer.at,
        reference=transfer.reference,
    )


def outcome_view(outcome: Outcome, rt: Runtime) -> MoveAnswer:
    """The answer to an applied move: its transfers and the ball, tree or cover it changed."""
    subject = outcome.subject
    return MoveAnswer(
        move=type(outcome.move).__name__.lower(),
        transfers=tuple(transfer_view(t) for t in outcome.transfers),
        ball=ball_view(subject, rt.clock.now()) if isinstance(subject, Ball) else None,
        tree=tree_view(subject, rt) if isinstance(subject, Tree) else None,
        cover=cover_view(subject) if isinstance(subject, Cover) else None,
    )


# ---------------------------------------------------------------- reads


@dataclass(frozen=True, slots=True)
class SpeciesProgress:
    """How far the caller's energy goes towards one species (``share``: capped at 1)."""

    species_id: str
    name_zh: str
    name_en: str
    cost_g: int
    share: float


@dataclass(frozen=True, slots=True)
class BehaviourName:
    """A behaviour's name in Chinese and English, for labelling its balls."""

    id: str
    name_zh: str
    name_en: str


@dataclass(frozen=True, slots=True)
class ForestView:
    """The caller's forest: energy, live balls, cover, debt, progress and the rules in force."""

    user_id: str
    as_of: dt.datetime
    """The server's clock when it was read: what a countdown to ``ripens_at`` counts from."""
    energy_g: int
    owed_g: int
    covered_until: dt.datetime | None
    next_ripens_at: dt.datetime | None
    balls: tuple[BallView, ...]
    progress: tuple[SpeciesProgress, ...]
    rules: str
    watering_steps_g: tuple[int, ...]
    """What the rules in force let one give a friend in a watering."""
    cover_hours: tuple[int, ...]
    """The protection covers the rules in force offer."""
    behaviours: tuple[BehaviourName, ...] = ()
    """The names of the behaviours of ``balls``."""


@dataclass(frozen=True, slots=True)
class FriendForestView:
    """A friend's forest, with what the viewer could steal right now."""

    user_id: str
    as_of: dt.datetime
    """The server's clock when it was read: what a countdown to ``ripens_at`` counts from."""
    covered_until: dt.datetime | None
    stealable_now: int
    next_ripens_at: dt.datetime | None
    balls: tuple[FriendBallView, ...]
    behaviours: tuple[BehaviourName, ...] = ()
    """The names of the behaviours of ``balls``."""


@dataclass(frozen=True, slots=True)
class FriendSummary:
    """One friend on the friends list: this week's energy, trees, and what is stealable now."""

    user_id: str
    energy_this_week_g: int
    trees: int
    stealable_now: int
    """How many of their balls the viewer could steal from now."""
    stealable_g: int
    """What the viewer would take from those balls, in all (before their own daily limit)."""
    next_ripens_at: dt.datetime | None
    covered_until: dt.datetime | None


@dataclass(frozen=True, slots=True)
class FriendsForestsView:
    """The viewer's friends, most energy this week first, with what each has to steal now."""

    week_starts: dt.datetime
    friends: tuple[FriendSummary, ...]


@dataclass(frozen=True, slots=True)
class Rank:
    """One place on a leaderboard."""

    rank: int
    user_id: str
    value: int
    me: bool


@dataclass(frozen=True, slots=True)
class LeaderboardView:
    """The caller and their friends, ranked by energy gained this week and by trees."""

    week_starts: dt.datetime
    energy_this_week_g: tuple[Rank, ...]
    trees: tuple[Rank, ...]


@dataclass(frozen=True, slots=True)
class StatementEntry(TransferView):
    """A transfer on the caller's statement, with its place in the ledger."""

    seq: int


@dataclass(frozen=True, slots=True)
class StatementView:
    """A page of the caller's transfers, newest first; ``next_before`` pages back."""

    transfers: tuple[StatementEntry, ...]
    next_before: int | None


def statement_entry(seq: int, transfer: Transfer) -> StatementEntry:
    """``transfer`` at ledger sequence number ``seq``."""
    return StatementEntry(**fields_of(transfer_view(transfer)), seq=seq)
