"""Friends: invite, accept, remove and list, each in one transaction (rules: ``domain.friends``).

Why every function takes the acting user first: the API passes the user of the presented
participant token, never an id from the request, so nobody can accept, cancel or list on
someone else's behalf. Friendship is what makes stealing energy and planting together possible;
the game's services ask ``store.friends_repo.accepted_pairs`` / ``friends_of`` directly.

Example: ``invite(rt, "u2", "u1")`` → pending; ``accept(rt, "u1", "u2")`` → accepted;
``list_friends(rt, "u1", limit=50).friends == [Friend("u2", since=<accepted at>)]``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from saxaul.domain.clock import to_us
from saxaul.domain.errors import Conflict, NotFound
from saxaul.domain.friends import Friendship, FriendshipStatus, InviteStep, invite_step, pair
from saxaul.domain.paging import next_after_id
from saxaul.services.runtime import Runtime
from saxaul.store import friends_bulk, participants_repo
from saxaul.store import friends_repo as repo
from saxaul.store.uow import UnitOfWork, WriteUnitOfWork, bulk_transaction


@dataclass(frozen=True, slots=True)
class Friend:
    """Someone on a participant's list, and since when (accepted, or invited while pending)."""

    user_id: str
    since: dt.datetime


@dataclass(frozen=True, slots=True)
class FriendList:
    """A participant's friends and the invitations waiting on either side, oldest first."""

    friends: list[Friend]
    incoming: list[Friend]
    """Invitations to this participant, which they may accept or decline."""
    outgoing: list[Friend]
    """Invitations from this participant, not yet accepted (they may cancel them)."""
    next_after_id: str | None = None
    """Where the next page starts (``domain.paging``), ``None`` after the last."""


def invite(rt: Runtime, inviter: str, invitee: str) -> Friendship:
    """Invite ``invitee``; accepts their invitation instead if they invited first.

    Answers the pair as stored afterwards: a new or repeated invitation (pending), or the
    friendship (accepted). Refuses an unknown invitee (``not_found``), oneself and friends.
    """
    now = rt.clock.now()

    def work(conn: WriteUnitOfWork) -> Friendship | None:
        step = invite_step(repo.get_pair(conn, inviter, invitee), inviter, invitee)
        if step is InviteStep.CREATE:
            _require_participant(conn, invitee)
            if not repo.insert_invite(conn, inviter, invitee, now):
                # The other side's invitation landed between our read and write: decide again.
                step = invite_step(repo.get_pair(conn, inviter, invitee), inviter, invitee)
        if step is InviteStep.ACCEPT:
            repo.accept(conn, invitee=inviter, inviter=invitee, at=now)
        return repo.get_pair(conn, inviter, invitee)

    stored = rt.db.write(work)
    if stored is None:  # removed by the other side while this request ran
        raise Conflict(
            f"the invitation with {invitee!r} changed while you sent yours; send it again",
            detail_zh="邀请状态刚刚发生变化，请重新发送",
        )
    return stored


def accept(rt: Runtime, user: str, inviter: str) -> Friendship:
    """``user`` accepts ``inviter``'s pending invitation; only the invitee can.

    Accepting again answers the same friendship, so a retried request is harmless.
    """

    def work(conn: WriteUnitOfWork) -> tuple[bool, Friendship | None]:
        accepted = repo.accept(conn, invitee=user, inviter=inviter, at=rt.clock.now())
        return accepted, repo.get_pair(conn, user, inviter)

    accepted, stored = rt.db.write(work)
    if stored is None or not (accepted or _accepted_from(stored, inviter)):
        raise NotFound(
            f"no invitation from {inviter!r} to you is waiting; "
            "see GET /v1/me/friends for the invitations you have",
            field="inviter",
            detail_zh=f"没有来自 {inviter} 的待接受邀请；请在好友列表中查看收到的邀请",
        )
    return stored


def befriend_many(rt: Runtime, pairs: Sequence[tuple[str, str, dt.datetime]]) -> int:
    """Store already-made friendships in one transaction: each (inviter, invitee, since) is
    invited and accepted at ``since``, as ``invite`` then ``accept`` would; answers how many
    were new (a pair that has a row already is left as it is).

    Why: a simulated population brings its friendships by the hundred thousand (``saxaul
    simulate --play``); one transaction per step instead of two per pair. Both participants
    must exist (``not_found`` otherwise, and nothing is stored).
    """

    rows = pl.DataFrame(
        [(*pair(inviter, invitee), inviter, to_us(since)) for inviter, invitee, since in pairs],
        schema={
            "user_low": pl.String,
            "user_high": pl.String,
            "inviter": pl.String,
            "at_us": pl.Int64,
        },
        orient="row",
    )
    with rt.db.bulk() as bulk, bulk_transaction(bulk):
        unknown = friends_bulk.stage_accepted(bulk, rows)
        if unknown is not None:
            raise _no_participant(unknown)
        return friends_bulk.insert_staged(bulk)


def _accepted_from(stored: Friendship, inviter: str) -> bool:
    return stored.status is FriendshipStatus.ACCEPTED and stored.inviter == inviter


def remove(rt: Runtime, user: str, other: str) -> None:
    """End ``user``'s friendship with ``other``, or decline or cancel an invitation between them."""
    removed = rt.db.write(lambda conn: repo.delete_pair(conn, user, other))
    if not removed:
        raise NotFound(
            f"you have no friendship or invitation with {other!r}; "
            "see GET /v1/me/friends for who is on your list",
            field="user_id",
            detail_zh=f"你与 {other} 之间没有好友关系或邀请；请在好友列表中查看",
        )


def list_friends(rt: Runtime, user: str, *, limit: int, after_id: str | None = None) -> FriendList:
    """A page of ``user``'s list: the next ``limit`` people after ``after_id`` by participant
    id, sorted into friends, incoming and outgoing invitations, each oldest first."""
    with rt.db.reading() as conn:
        rows = repo.list_for(conn, user, limit=limit, after_id=after_id)
    friends, incoming, outgoing = [], [], []
    for row in rows:
        if row.status is FriendshipStatus.ACCEPTED:
            friends.append(Friend(row.other(user), row.since))
        elif row.inviter == user:
            outgoing.append(Friend(row.invitee, row.invited_at))
        else:
            incoming.append(Friend(row.inviter, row.invited_at))
    return FriendList(
        _oldest_first(friends),
        _oldest_first(incoming),
        _oldest_first(outgoing),
        next_after_id([row.other(user) for row in rows], limit),
    )


def _oldest_first(people: list[Friend]) -> list[Friend]:
    return sorted(people, key=lambda f: (f.since, f.user_id))


def _require_participant(conn: UnitOfWork, user_id: str) -> None:
    if not participants_repo.is_enrolled(conn, user_id):
        raise _no_participant(user_id)


def _no_participant(user_id: str) -> NotFound:
    return NotFound(
        f"no participant {user_id!r}; check the user id your friend gave you",
        field="user_id",
        detail_zh=f"没有用户 ID 为 {user_id} 的参与者；请核对好友提供的 ID",
    )
