"""Friendship: who may steal from whose energy balls and plant trees together — its rules' home.

The rules:

* a friendship joins two *different* participants and is stored once per unordered pair, as
  ``pair(a, b)`` (the two ids sorted), so "is u1 a friend of u2?" is one key lookup;
* it begins as an invitation (``pending``) from the inviter, and only the invitee accepts it;
* inviting someone who has already invited you accepts their invitation — when both people tap
  "add friend", both expect to end up friends, not to be told an invitation exists;
* inviting again while your own invitation is pending changes nothing, so a retry is harmless;
* inviting a friend is refused (``already_friends``), as is inviting yourself (``own_account``);
* either side may end it at any time; ending a pending one declines or cancels the invitation.

Example: u2 invites u1 → pending (low u1, high u2, inviter u2); u2 invites again → the same
invitation; u1 invites u2 → accepted. u1 removes u2 → no row; u2 may invite again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from saxaul.domain.errors import DomainError


class FriendshipStatus(StrEnum):
    """Where a pair stands."""

    PENDING = "pending"
    """Invited, not yet accepted by the invitee."""
    ACCEPTED = "accepted"
    """Friends: each may steal from the other's balls and invite the other to a tree."""


@dataclass(frozen=True, slots=True)
class Friendship:
    """One pair's stored state; ``user_low < user_high`` always (see ``pair``)."""

    user_low: str
    user_high: str
    inviter: str
    status: FriendshipStatus
    invited_at: dt.datetime
    accepted_at: dt.datetime | None = None

    @property
    def since(self) -> dt.datetime:
        """When the pair reached its status: accepted for friends, invited while pending."""
        return self.accepted_at or self.invited_at

    @property
    def invitee(self) -> str:
        """The one who was invited (and who alone may accept while it is pending)."""
        return self.other(self.inviter)

    def other(self, user: str) -> str:
        """The other member of the pair, seen from ``user`` (who must be one of the two)."""
        return self.user_high if user == self.user_low else self.user_low


class FriendshipRefused(DomainError):
    """An invitation the rules forbid. Codes: ``own_account`` (inviting yourself, like an
    invalid input) and ``already_friends`` (a clash with what exists)."""

    code = "friendship_refused"


class InviteStep(StrEnum):
    """What an invitation does, given what the pair already has."""

    CREATE = "create"
    """No row yet: store a pending invitation."""
    ACCEPT = "accept"
    """The other side invited first: accept their invitation."""
    KEEP = "keep"
    """The same invitation is already pending: change nothing."""


def pair(a: str, b: str) -> tuple[str, str]:
    """The stored key of the pair ``{a, b}``: ``pair("u2", "u1") == ("u1", "u2")``."""
    return (a, b) if a <= b else (b, a)


def invite_step(existing: Friendship | None, inviter: str, invitee: str) -> InviteStep:
    """What ``inviter`` inviting ``invitee`` does (module rules); refuses self and friends."""
    if inviter == invitee:
        raise FriendshipRefused(
            "you cannot invite yourself; invite another participant by their user id",
            code="own_account",
            field="user_id",
            detail_zh="不能邀请自己；请输入其他参与者的用户 ID",
        )
    if existing is None:
        return InviteStep.CREATE
    if existing.status is FriendshipStatus.ACCEPTED:
        raise FriendshipRefused(
            f"you and {invitee!r} are already friends; nothing to do",
            code="already_friends",
            user_id=invitee,
            detail_zh=f"你和 {invitee} 已经是好友，无需再次邀请",
        )
    return InviteStep.KEEP if existing.inviter == inviter else InviteStep.ACCEPT
