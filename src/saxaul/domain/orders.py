"""A promised tree as a debt: how far it has got, and which evidence moves it on.

Why a debt: a participant spent energy on a tree that a partner has yet to plant. Until a
partner evidences a living tree, the platform owes it, and the promise is never silently
dropped: a tree found dead is ``lost`` and stays on the books until it is replanted (a later
planting evidence names it) or an operator reopens it (owed again, batched into a new order).

The ways a tree moves::

    waiting ─(a project takes it)─▶ owed ─(order created)─▶ owed in a proposed order
    proposed order accepted ─▶ ordered ─(planting evidence)─▶ planted
    planted ─(survival check: alive)─▶ alive          planted|alive ─(dead)─▶ lost
    lost ─(planting evidence: replanted)─▶ planted     lost ─(operator reopens)─▶ owed
    proposed order declined ─▶ owed, out of the order (the next batching proposes it again)

Example: ``planting_outcome(LiabilityStatus.LOST, planted_before=True)`` is
``TreeOutcome.REPLANTED`` (one more replacement); a tree still ``owed`` cannot be planted
(``WrongTreeStatus``): its order must be accepted first.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from saxaul.domain.errors import DomainError
from saxaul.domain.liabilities import LiabilityStatus


class OrderStatus(StrEnum):
    """Where a planting order stands."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    FULFILLED = "fulfilled"
    """Every tree of the order has been evidenced as planted at least once."""


class EvidenceKind(StrEnum):
    """What a partner reports about an order's trees."""

    PLANTING = "planting"
    SURVIVAL = "survival"


class Irrigation(StrEnum):
    """How a planting is watered; drip irrigation earns the species' higher survival rate."""

    DRIP = "drip"
    NONE = "none"


class TreeOutcome(StrEnum):
    """What one evidence says of one tree (``tree_evidence.outcome``)."""

    PLANTED = "planted"
    REPLANTED = "replanted"
    ALIVE = "alive"
    DEAD = "dead"


class EventType(StrEnum):
    """The webhook events of orders and evidence (``store.webhook_outbox``)."""

    ORDER_CREATED = "order.created"
    ORDER_ACCEPTED = "order.accepted"
    ORDER_DECLINED = "order.declined"
    EVIDENCE_ACCEPTED = "evidence.accepted"
    CERTIFICATE_ISSUED = "certificate.issued"
    TREE_LOST = "tree.lost"


class OrderRefused(DomainError):
    """An order cannot do this in its current status (``code`` says which)."""

    code = "order_not_proposed"


class EvidenceRefused(DomainError):
    """Evidence whose content breaks a rule the request's shape cannot express."""

    code = "evidence_invalid"


class TreeNotInOrder(DomainError):
    """Evidence names a tree that is not in the order."""

    code = "tree_not_in_order"


class WrongTreeStatus(DomainError):
    """Evidence names a tree of the order whose status does not allow what it says."""

    code = "wrong_tree_status"


PLANTABLE = frozenset({LiabilityStatus.ORDERED, LiabilityStatus.LOST})
CHECKABLE = frozenset({LiabilityStatus.PLANTED, LiabilityStatus.ALIVE})
EVIDENCE_ORDERS = frozenset({OrderStatus.ACCEPTED, OrderStatus.FULFILLED})
"""Orders that take evidence: accepted ones, and fulfilled ones (survival checks, replanting)."""


def planting_outcome(status: LiabilityStatus, *, planted_before: bool, field: str) -> TreeOutcome:
    """What planting evidence makes of a tree: planted, or replanted when a tree of this
    promise was planted before (it died, or was reopened and ordered again)."""
    if status not in PLANTABLE:
        raise WrongTreeStatus(
            f"this tree is {status.value}; planting evidence names trees that are ordered, or "
            "lost and replanted",
            field=field,
            status=status.value,
        )
    return TreeOutcome.REPLANTED if planted_before else TreeOutcome.PLANTED


def survival_outcome(status: LiabilityStatus, *, alive: bool, field: str) -> TreeOutcome:
    """What a survival check makes of a tree: alive or dead; only planted trees are checked."""
    if status not in CHECKABLE:
        raise WrongTreeStatus(
            f"this tree is {status.value}; a survival check names planted trees",
            field=field,
            status=status.value,
        )
    return TreeOutcome.ALIVE if alive else TreeOutcome.DEAD


OUTCOME_STATUS: Mapping[TreeOutcome, LiabilityStatus] = {
    TreeOutcome.PLANTED: LiabilityStatus.PLANTED,
    TreeOutcome.REPLANTED: LiabilityStatus.PLANTED,
    TreeOutcome.ALIVE: LiabilityStatus.ALIVE,
    TreeOutcome.DEAD: LiabilityStatus.LOST,
}
