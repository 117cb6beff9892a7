"""What a participant reads: their forest, a friend's forest, their trees, leaderboards, ledger.

Why reads are separate from moves: they lock nothing and change nothing, so they run on their
own snapshot beside the game's batches. Every read is for the caller: a friend's forest is shown
only to friends, a tree only to its planters, a ledger statement only to its owner.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from saxaul.domain.accounts import ball_account_id, debt_account_id, participant_account_id
from saxaul.domain.energy import Ball
from saxaul.domain.errors import Forbidden, NotFound
from saxaul.domain.liabilities import LiabilityStatus
from saxaul.domain.planting import Tree, TreeStatus
from saxaul.domain.play import local_week_start
from saxaul.services.game_views import (
    BehaviourName,
    ForestView,
    FriendForestView,
    FriendsForestsView,
    FriendSummary,
    LeaderboardView,
    PlantingView,
    Rank,
    SpeciesProgress,
    StatementView,
    TreeView,
    ball_view,
    friend_ball_view,
    statement_entry,
    tree_view,
)
from saxaul.services.runtime import Runtime
from saxaul.services.scenario_packs import approved_packs
from saxaul.store import (
    balls_repo,
    covers_repo,
    friends_repo,
    ledger_repo,
    orders_repo,
    trees_repo,
)
from saxaul.store.tables import BIGINT_MAX
from saxaul.store.uow import UnitOfWork

STATEMENT_MAX = 500
"""Most transfers one statement page returns; bounds the response, not a game number."""
STATEMENT_SEQ_MAX = BIGINT_MAX
"""Largest ledger sequence number (``before`` of a page): ``ledger_transfers.seq`` is 8 bytes."""


def _next_ripening(balls: dict[str, Ball], now: dt.datetime) -> dt.datetime | None:
    upcoming = [ball.ripens_at for ball in balls.values() if ball.ripens_at > now]
    return min(upcoming) if upcoming else None


def _names(rt: Runtime, conn: UnitOfWork, balls: Mapping[str, Ball]) -> tuple[BehaviourName, ...]:
    """The names of the behaviours of ``balls``: from the packs in force, else from approved
    business scenarios (read only then); a behaviour neither names is named by its id."""
    wanted = sorted({ball.behaviour for ball in balls.values()})
    known = {b.id: b for pack in rt.packs for b in pack.behaviours}
    if any(behaviour not in known for behaviour in wanted):
        known |= {b.id: b for pack in approved_packs(conn) for b in pack.behaviours}
    return tuple(
        BehaviourName(b, known[b].name_zh, known[b].name_en)
        if b in known
        else BehaviourName(b, b, b)
        for b in wanted
    )


def _owed(conn: UnitOfWork, user: str) -> int:
    return ledger_repo.owed(conn, [user]).get(user, 0)


def my_forest(rt: Runtime, user: str) -> ForestView:
    """The caller's energy, live balls, cover, debt and progress towards each species."""
    now = rt.clock.now()
    with rt.db.reading() as conn:
        balance = ledger_repo.balance_of(conn, participant_account_id(user))
        balls = balls_repo.live_balls(conn, user, now)
        cover = covers_repo.covered_until(conn, [user], now).get(user)
        owed = _owed(conn, user)
        names = _names(rt, conn, balls)
    return ForestView(
        user_id=user,
        as_of=now,
        energy_g=balance,
        owed_g=owed,
        covered_until=cover,
        next_ripens_at=_next_ripening(balls, now),
        balls=tuple(ball_view(ball, now) for ball in balls.values()),
        progress=tuple(
            SpeciesProgress(
                species_id=species.id,
                name_zh=species.name_zh,
                name_en=species.name_en,
                cost_g=species.energy_cost_g,
                share=round(min(1.0, balance / species.energy_cost_g), 4),
            )
            for species in sorted(rt.species.species, key=lambda s: s.energy_cost_g)
        ),
        rules=rt.rules.ref,
        watering_steps_g=rt.rules.watering_steps_g,
        cover_hours=rt.rules.protection_hours,
        behaviours=names,
    )


def friend_forest(rt: Runtime, viewer: str, owner: str) -> FriendForestView:
    """A friend's live balls, each with what the viewer could steal from it right now."""
    now = rt.clock.now()
    with rt.db.reading() as conn:
        if not friends_repo.accepted_pairs(conn, [(viewer, owner)]):
            raise Forbidden(
                f"only friends can see {owner}'s forest; invite them first",
                code="not_friends",
                owner=owner,
            )
        balls = balls_repo.live_balls(conn, owner, now)
        cover = covers_repo.covered_until(conn, [owner], now).get(owner)
        names = _names(rt, conn, balls)
    views = tuple(friend_ball_view(ball, viewer, now, rt.rules, cover) for ball in balls.values())
    return FriendForestView(
        user_id=owner,
        as_of=now,
        covered_until=cover,
        stealable_now=sum(1 for view in views if view.stealable_g > 0),
        next_ripens_at=_next_ripening(balls, now),
        balls=views,
        behaviours=names,
    )


def friends_forests(rt: Runtime, user: str) -> FriendsForestsView:
    """The caller's friends, most energy gained this (local) week first, each with what the
    caller could steal from them now and when their next ball ripens: one read for the list,
    rather than one request per friend."""
    now = rt.clock.now()
    since = local_week_start(now, rt.rules)
    with rt.db.reading() as conn:
        people = friends_repo.friends_of(conn, user)
        energy = ledger_repo.energy_since(conn, people, since)
        trees = trees_repo.promised_trees(conn, people)
        covers = covers_repo.covered_until(conn, people, now)
        balls = {friend: balls_repo.live_balls(conn, friend, now) for friend in people}
    summaries = []
    for friend in people:
        stealable = [
            friend_ball_view(ball, user, now, rt.rules, covers.get(friend)).stealable_g
            for ball in balls[friend].values()
        ]
        summaries.append(
            FriendSummary(
                user_id=friend,
                energy_this_week_g=energy.get(friend, 0),
                trees=trees.get(friend, 0),
                stealable_now=sum(1 for grams in stealable if grams > 0),
                stealable_g=sum(stealable),
                next_ripens_at=_next_ripening(balls[friend], now),
                covered_until=covers.get(friend),
            )
        )
    summaries.sort(key=lambda s: (-s.energy_this_week_g, s.user_id))
    return FriendsForestsView(week_starts=since, friends=tuple(summaries))


def my_trees(rt: Runtime, user: str, *, limit: int, after_id: str | None = None) -> list[TreeView]:
    """The trees the caller plants or co-plants, newest first, with certificates for promised
    ones and where their planting stands: a page of ``limit`` after tree ``after_id``."""
    with rt.db.reading() as conn:
        trees = trees_repo.trees_of(conn, user, limit=limit, after_id=after_id)
        planting = _planting(conn, trees)
    return [tree_view(tree, rt, planting.get(tree.id)) for tree in trees.values()]


def tree(rt: Runtime, user: str, tree_id: str) -> TreeView:
    """One tree, for its planters only (others are told it does not exist)."""
    with rt.db.reading() as conn:
        found = trees_repo.load_trees(conn, [tree_id]).get(tree_id)
        if found is None or user not in found.members:
            raise NotFound(f"you have no tree {tree_id}", tree_id=tree_id)
        planting = _planting(conn, {tree_id: found})
    return tree_view(found, rt, planting.get(tree_id))


def _planting(conn: UnitOfWork, trees: Mapping[str, Tree]) -> dict[str, PlantingView]:
    """Where each promised tree of ``trees`` stands in the planting pipeline, if it is in it."""
    promised = [t.id for t in trees.values() if t.status is TreeStatus.PROMISED]
    return {
        row.tree_id: PlantingView.of(LiabilityStatus(row.status), row.replacements)
        for row in orders_repo.liabilities(conn, tree_ids=promised)
    }


def leaderboard(rt: Runtime, user: str) -> LeaderboardView:
    """The caller and their friends ranked by energy gained this week and by trees."""
    now = rt.clock.now()
    since = local_week_start(now, rt.rules)
    with rt.db.reading() as conn:
        people = [user, *friends_repo.friends_of(conn, user)]
        energy = ledger_repo.energy_since(conn, people, since)
        trees = trees_repo.promised_trees(conn, people)

    def ranked(scores: dict[str, int]) -> tuple[Rank, ...]:
        order = sorted(people, key=lambda p: (-scores.get(p, 0), p))
        return tuple(
            Rank(rank=n, user_id=p, value=scores.get(p, 0), me=p == user)
            for n, p in enumerate(order, start=1)
        )

    return LeaderboardView(
        week_starts=since, energy_this_week_g=ranked(energy), trees=ranked(trees)
    )


def ledger_statement(
    rt: Runtime, user: str, limit: int = 100, before: int | None = None
) -> StatementView:
    """The caller's transfers, newest first: their energy account, their balls and their debt.

    ``before`` pages back: pass the previous page's ``next_before``.
    """
    limit = max(1, min(limit, STATEMENT_MAX))
    now = rt.clock.now()
    with rt.db.reading() as conn:
        own = {participant_account_id(user), debt_account_id(user)}
        own.update(ball_account_id(ball_id) for ball_id in balls_repo.live_balls(conn, user, now))
        rows = ledger_repo.statement(conn, own, limit, before)
    return StatementView(
        transfers=tuple(statement_entry(seq, t) for seq, t in rows),
        next_before=rows[-1][0] if len(rows) == limit else None,
    )
