"""Erasure on request (PIPL art. 47, GDPR art. 17): every personal field of a participant gone,
in one transaction, with the pseudonym kept for sums.

What goes (``store.erasure_repo.erase``): demographics, the password hash, sessions, stored
idempotency answers, covers, tree memberships, friendships (the social graph), statements
imported from another instance, the archive data key (which makes every archived copy of their
demographics and events' payment details unreadable: crypto-shredding,
``reports.personal_seal``), consent (scopes and
time; the withdrawal is set to the erasure, so nothing of theirs is scored or reported again),
quarantined rows that name them (redacted) and the payment details of their events.

Why an event keeps its id, behaviour, time and quantity: those are what the award was scored
from (``awards`` keeps the pack, factors and grams), so the ledger's energy still has a
provenance an auditor can follow; the amount, currency, merchant category and attributes are
payment details that nothing needs once the event is scored (``erasure_repo.PAYMENT_COLUMNS``).

Why the pseudonym stays: the ledger is append-only, and its totals must not change — the
``user:<id>`` account, awards, balls, transfers and trees are sums, not a person, once nothing
links the pseudonym to anyone (the operator's own mapping is outside Saxaul).

Partners: each partner holding one of the participant's promised trees in a planting order
gets a ``participant.erased`` webhook event naming what it holds — tree ids, order ids and
certificate numbers, never the pseudonym (which partners never received) — so it deletes its
copies. The event reaches every subscription of that partner whatever types it lists: a partner
cannot opt out of an erasure (``domain.webhooks.MANDATORY``).

Erasing twice is harmless: the second answer says when it was done and changes nothing.

Example: ``erase_participant(rt, "u1", requested_by="operator:ops")`` →
``Erasure(user_id="u1", erased_at=…, already=False, touched={"demographics": 1, …},
partners_notified=("see-foundation",))``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from saxaul.domain import certificates
from saxaul.domain.clock import from_us, to_us
from saxaul.domain.errors import NotFound, ParticipantErased
from saxaul.domain.webhooks import PARTICIPANT_ERASED
from saxaul.services import operator_audit
from saxaul.services.operator_audit import OperatorAct
from saxaul.services.runtime import Runtime
from saxaul.store import erasure_repo, webhook_outbox
from saxaul.store.erasure_repo import Holding
from saxaul.store.uow import UnitOfWork, WriteUnitOfWork

logger = logging.getLogger(__name__)

ERASED_DETAIL = "this participant's personal data was erased on request"


@dataclass(frozen=True, slots=True)
class Erasure:
    """What an erasure did (``already``: it had been done before, and nothing changed)."""

    user_id: str
    erased_at: dt.datetime
    already: bool
    requested_by: str
    touched: dict[str, int] = field(default_factory=dict)
    """Rows deleted or overwritten per table."""
    partners_notified: tuple[str, ...] = ()


def erase_participant(
    rt: Runtime, user_id: str, requested_by: str, *, act: OperatorAct | None = None
) -> Erasure:
    """Erase ``user_id``'s personal data now (see the module); ``NotFound`` if not enrolled.

    An operator key's ``act`` is audited in the same transaction as the erasure it carries out
    (under the pseudonym, which erasure keeps)."""
    at_us = to_us(rt.clock.now())

    def work(conn: WriteUnitOfWork) -> tuple[Erasure, list[str]]:
        enrolled, erased_us = erasure_repo.erased_at(conn, user_id, lock=True)
        if not enrolled:
            raise NotFound(f"no enrolled participant {user_id!r}", field="user_id")
        if act is not None:
            operator_audit.record(conn, act, [user_id], operator_audit.OK, at_us)
        if erased_us is not None:
            return Erasure(user_id, from_us(erased_us), True, requested_by), []
        holdings = erasure_repo.partner_holdings(conn, user_id)
        digests = erasure_repo.session_digests(conn, user_id)
        touched = erasure_repo.erase(conn, user_id, at_us)
        notified = _notify_partners(conn, holdings, at_us)
        return Erasure(user_id, from_us(at_us), False, requested_by, touched, notified), digests

    erasure, digests = rt.db.write(work)
    for digest in digests:  # after the commit, as for a logout
        rt.sessions.evict(digest)
    if not erasure.already:
        logger.info("participant erased on request of %s", requested_by)
    return erasure


def refuse_if_erased(conn: UnitOfWork, user_id: str) -> None:
    """Refuse (410 ``participant_erased``) to act for or show an erased participant."""
    enrolled, erased_us = erasure_repo.erased_at(conn, user_id)
    if enrolled and erased_us is not None:
        raise ParticipantErased(ERASED_DETAIL, field="user_id")


def _notify_partners(conn: WriteUnitOfWork, holdings: list[Holding], at_us: int) -> tuple[str, ...]:
    """One ``participant.erased`` event per partner and mode holding the participant's trees."""
    held: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for h in holdings:
        held[h.partner_id, h.mode].append(
            {
                "tree_id": h.tree_id,
                "order_id": h.order_id,
                "certificate_number": certificates.number(h.tree_id),
            }
        )
    for (partner_id, mode), trees in held.items():
        webhook_outbox.record(
            conn,
            partner_id=partner_id,
            mode=mode,
            type=PARTICIPANT_ERASED,
            payload={"erased_at": from_us(at_us).isoformat(), "trees": trees},
            at_us=at_us,
        )
    return tuple(sorted({partner for partner, _ in held}))
