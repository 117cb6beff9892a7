"""A partner's members: who may act for the organisation, and with which role.

Why members at all, when keys do the work: a key acts for a member, and its scopes never go
beyond that member's role (``domain.partners.scopes_allowed``), so when someone leaves, removing
them revokes every key they made in the same unit of work — nothing they held keeps working.

Why removal is soft (``removed_at_us``): keys and decisions keep pointing at a member that
existed; a removed member added again gets their row back with the new role.

Example: ``add_member(rt, principal, "dev@see.example", "Li Wei", Role.DEVELOPER)`` → a member
whose keys may carry ``orders:read`` or ``evidence:write`` but never ``keys:write``.
"""

from __future__ import annotations

from saxaul.domain.clock import to_us
from saxaul.domain.errors import Conflict, NotFound
from saxaul.domain.partners import PartnerPrincipal, Role, require_owner_left
from saxaul.services.runtime import Runtime
from saxaul.store import partners_repo
from saxaul.store.partners_repo import StoredMember
from saxaul.store.uow import WriteUnitOfWork


def list_members(
    rt: Runtime, principal: PartnerPrincipal, *, limit: int, after_id: int = 0
) -> list[StoredMember]:
    """The caller's organisation's current members, oldest first: a page of ``limit`` after
    ``after_id``."""
    with rt.db.reading() as conn:
        return partners_repo.members(conn, principal.partner_id, limit=limit, after_id=after_id)


def add_member(
    rt: Runtime, principal: PartnerPrincipal, email: str, name: str, role: Role
) -> StoredMember:
    """Add a member to the caller's organisation; 409 when the email is a current member's."""
    email = email.strip().lower()
    at_us = to_us(rt.clock.now())

    def work(conn: WriteUnitOfWork) -> StoredMember:
        known = partners_repo.member_by_email(conn, principal.partner_id, email)
        if known is None:
            member_id = partners_repo.insert_member(
                conn, principal.partner_id, email, name, role.value, at_us
            )
        elif known.removed_at_us is None:
            raise Conflict(
                f"{email} is already a member (id {known.id}); remove them first to change "
                "their role",
                field="email",
                member_id=known.id,
            )
        else:
            member_id = known.id
            partners_repo.restore_member(conn, member_id, name, role.value, at_us)
        added = partners_repo.member(conn, principal.partner_id, member_id)
        assert added is not None
        return added

    return rt.db.write(work)


def remove_member(rt: Runtime, principal: PartnerPrincipal, member_id: int) -> int:
    """Remove a member of the caller's organisation and revoke the keys acting for it; how
    many keys were revoked. 404 for a member not (or no longer) in the organisation; 409 for
    its last owner."""
    at_us = to_us(rt.clock.now())

    def work(conn: WriteUnitOfWork) -> int:
        owners = partners_repo.lock_owners(conn, principal.partner_id)
        member = partners_repo.member(conn, principal.partner_id, member_id)
        if member is None:
            raise NotFound(f"your organisation has no member {member_id}", field="member_id")
        require_owner_left(Role(member.role), owners)
        return partners_repo.remove_member(conn, member_id, at_us)

    return rt.db.write(work)
