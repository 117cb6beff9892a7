"""A participant erasing their own account: who they are is checked twice, then ``erasure``.

Why both a typed confirmation and the password: erasure cannot be undone, so the app asks what
people expect of deleting an account — type your user id to show you mean it (a slip of the
finger cannot erase), and re-enter your password (a borrowed or unattended signed-in device
cannot). A participant who signs in through an app backend has no password here, so for them
the app backend's own sign-in is the second check.

Example: ``erase_own_account(rt, "u1", confirm="u1", password="correct horse")`` →
``Erasure(user_id="u1", …, requested_by="participant")``.
"""

from __future__ import annotations

from saxaul.domain.errors import InputRejected
from saxaul.services.erasure import Erasure, erase_participant
from saxaul.services.participant_auth import confirm_password
from saxaul.services.runtime import Runtime

REQUESTED_BY_SELF = "participant"


def erase_own_account(rt: Runtime, user_id: str, *, confirm: str, password: str | None) -> Erasure:
    """Erase ``user_id`` at their own request once ``confirm`` is their id and ``password``
    theirs (when they have one)."""
    if confirm != user_id:
        raise InputRejected(
            "type your own user id in `confirm` to erase your account",
            field="confirm",
            detail_zh="请在确认栏中输入您自己的用户 ID 以删除账户",
        )
    confirm_password(rt, user_id, password)
    return erase_participant(rt, user_id, REQUESTED_BY_SELF)
