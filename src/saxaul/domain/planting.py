"""Planting (种树): energy becomes a promise that a partner plants a real tree.

Why two ways in: a participant with enough energy plants alone (one ``plant`` transfer of the
species' cost into ``planted``); friends co-plant (合种) by pooling shares in the tree's own
account ``tree:<id>`` until the cost is reached, when the pool moves to ``planted`` in one
transfer. Either way the tree's status becomes ``promised``: the energy is spent and the partner
owes a real tree with evidence (date, place, photo or survey). A co-planting that is cancelled
refunds each share by a compensating transfer; nothing is edited.

Example (saxaul costs 17,900 g): u1 starts co-planting t1 with u2; u1 pools 10,000 g
(``pool:t1:u1:1 user:u1 → tree:t1``), u2 pools 7,900 g (``pool:t1:u2:1``) → the pool is full,
``plant:t1 tree:t1 → planted 17,900 g``, status ``promised``. u2 pooling 8,000 g instead is
refused: only 7,900 g are still needed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from saxaul.domain.accounts import PLANTED_ACCOUNT_ID, participant_account_id, tree_account_id
from saxaul.domain.energy import EnergyRefused
from saxaul.domain.game_rules import Species
from saxaul.domain.ledger import Account, AccountKind, Transfer, TransferKind

MAX_CO_PLANTERS = 10
"""Friends in one co-planting, the initiator included; bounds the input, not a game number."""


class TreeMode(StrEnum):
    """How a tree is funded."""

    SOLO = "solo"
    CO = "co"


class TreeStatus(StrEnum):
    """Where a tree stands: still being funded, promised to a partner, or cancelled."""

    FUNDING = "funding"
    PROMISED = "promised"
    CANCELLED = "cancelled"


class PlantRefused(EnergyRefused):
    """A planting the rules forbid. Codes: ``insufficient_energy``, ``not_friends``,
    ``duplicate_planter``, ``too_many_planters``, ``not_found`` (a tree the caller does not
    plant: whether it exists is not theirs to learn), ``not_funding``, ``more_than_needed``,
    ``not_initiator``."""

    code = "plant_refused"


@dataclass(frozen=True, slots=True)
class Tree:
    """A virtual tree: its species and price, who funds it, and how far the pool has got.

    ``shares`` lists every pooled share in order as ``(user_id, grams)``; a solo tree has one
    share, its whole cost. ``members`` may pool into a co-planted tree and get its certificate.
    """

    id: str
    species_id: str
    catalogue: str
    cost_g: int
    initiator: str
    mode: TreeMode
    status: TreeStatus
    members: tuple[str, ...]
    created_at: dt.datetime
    promised_at: dt.datetime | None = None
    shares: tuple[tuple[str, int], ...] = ()

    @property
    def pooled_g(self) -> int:
        """Grams pooled so far (all of the cost once promised)."""
        return sum(grams for _, grams in self.shares)

    @property
    def account(self) -> Account:
        """The co-planted tree's pool account."""
        return Account(tree_account_id(self.id), AccountKind.TREE, self.initiator)


def plant(
    tree_id: str,
    user_id: str,
    species: Species,
    catalogue: str,
    now: dt.datetime,
    *,
    balance_g: int,
) -> tuple[Tree, tuple[Transfer, ...]]:
    """A participant plants alone: the species' whole cost moves to ``planted`` at once."""
    if balance_g < species.energy_cost_g:
        raise PlantRefused(
            f"a {species.name_en} ({species.name_zh}) costs {species.energy_cost_g} g and you "
            f"have {balance_g} g; collect {species.energy_cost_g - balance_g} g more, or "
            "co-plant it with friends",
            code="insufficient_energy",
            species_id=species.id,
            cost_g=species.energy_cost_g,
            balance_g=balance_g,
        )
    tree = Tree(
        id=tree_id,
        species_id=species.id,
        catalogue=catalogue,
        cost_g=species.energy_cost_g,
        initiator=user_id,
        mode=TreeMode.SOLO,
        status=TreeStatus.PROMISED,
        members=(user_id,),
        created_at=now,
        promised_at=now,
        shares=((user_id, species.energy_cost_g),),
    )
    transfer = Transfer(
        id=f"plant:{tree_id}",
        debit_account=participant_account_id(user_id),
        credit_account=PLANTED_ACCOUNT_ID,
        amount_g=species.energy_cost_g,
        kind=TransferKind.PLANT,
        at=now,
        reference=tree_id,
    )
    return tree, (transfer,)


def start_co_planting(
    tree_id: str,
    initiator: str,
    friends: tuple[str, ...],
    species: Species,
    catalogue: str,
    now: dt.datetime,
    *,
    are_friends: bool,
) -> Tree:
    """A co-planting the initiator and ``friends`` will fund together; no energy moves yet.

    ``are_friends`` says whether every one of ``friends`` is an accepted friend of the initiator.
    """
    members = (initiator, *friends)
    seen: set[str] = set()
    for member in members:
        if member in seen:
            raise PlantRefused(
                f"{member} is named twice: name each friend once, and not yourself (you are "
                "a planter already)",
                code="duplicate_planter",
                field="friends",
                duplicate=member,
            )
        seen.add(member)
    if len(members) > MAX_CO_PLANTERS:
        raise PlantRefused(
            f"a co-planting has at most {MAX_CO_PLANTERS} planters, you named {len(members)}",
            code="too_many_planters",
            limit=MAX_CO_PLANTERS,
        )
    if not are_friends:
        raise PlantRefused(
            "you can only co-plant with friends; invite them first",
            code="not_friends",
            friends=list(friends),
        )
    return Tree(
        id=tree_id,
        species_id=species.id,
        catalogue=catalogue,
        cost_g=species.energy_cost_g,
        initiator=initiator,
        mode=TreeMode.CO,
        status=TreeStatus.FUNDING,
        members=members,
        created_at=now,
    )


def _funding_refusal(tree: Tree, user_id: str) -> PlantRefused | None:
    if user_id not in tree.members:
        # worded as for a tree that does not exist (``play``), so the answer tells nothing
        return PlantRefused(f"there is no tree {tree.id}", code="not_found", tree_id=tree.id)
    if tree.status is not TreeStatus.FUNDING:
        return PlantRefused(
            f"this tree is {tree.status}, no longer taking energy",
            code="not_funding",
            tree_id=tree.id,
            status=str(tree.status),
        )
    return None


def pool(
    tree: Tree, user_id: str, amount_g: int, now: dt.datetime, *, balance_g: int
) -> tuple[Tree, tuple[Transfer, ...]]:
    """A planter pools ``amount_g`` into a co-planted tree; the last share plants it."""
    refusal = _funding_refusal(tree, user_id)
    if refusal is not None:
        raise refusal
    needed_g = tree.cost_g - tree.pooled_g
    if not 0 < amount_g <= needed_g:
        raise PlantRefused(
            f"this tree still needs {needed_g} g; pool between 1 g and {needed_g} g",
            code="more_than_needed",
            tree_id=tree.id,
            needed_g=needed_g,
            amount_g=amount_g,
        )
    if balance_g < amount_g:
        raise PlantRefused(
            f"you have {balance_g} g, not enough to pool {amount_g} g",
            code="insufficient_energy",
            balance_g=balance_g,
            amount_g=amount_g,
        )
    number = sum(1 for member, _ in tree.shares if member == user_id) + 1
    transfers = [
        Transfer(
            id=f"pool:{tree.id}:{user_id}:{number}",
            debit_account=participant_account_id(user_id),
            credit_account=tree_account_id(tree.id),
            amount_g=amount_g,
            kind=TransferKind.POOL,
            at=now,
            reference=tree.id,
        )
    ]
    pooled = dataclasses.replace(tree, shares=(*tree.shares, (user_id, amount_g)))
    if pooled.pooled_g == tree.cost_g:
        transfers.append(
            Transfer(
                id=f"plant:{tree.id}",
                debit_account=tree_account_id(tree.id),
                credit_account=PLANTED_ACCOUNT_ID,
                amount_g=tree.cost_g,
                kind=TransferKind.PLANT,
                at=now,
                reference=tree.id,
            )
        )
        pooled = dataclasses.replace(pooled, status=TreeStatus.PROMISED, promised_at=now)
    return pooled, tuple(transfers)


def cancel(tree: Tree, user_id: str, now: dt.datetime) -> tuple[Tree, tuple[Transfer, ...]]:
    """The initiator calls off a co-planting still funding; every share goes back to its giver."""
    refusal = _funding_refusal(tree, user_id)
    if refusal is not None:
        raise refusal
    if user_id != tree.initiator:
        raise PlantRefused(
            "only the planter who started this co-planting can cancel it",
            code="not_initiator",
            tree_id=tree.id,
        )
    refunds = tuple(
        Transfer(
            id=f"refund:{tree.id}:{n}",
            debit_account=tree_account_id(tree.id),
            credit_account=participant_account_id(member),
            amount_g=grams,
            kind=TransferKind.REVERSAL,
            at=now,
            reference=tree.id,
        )
        for n, (member, grams) in enumerate(tree.shares, start=1)
    )
    return dataclasses.replace(tree, status=TreeStatus.CANCELLED), refunds
