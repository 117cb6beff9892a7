"""A tree's certificate: the chain from the events a participant did to the tree they funded.

Why a chain and not a statement: the certificate says *which* energy paid for the tree, so a
reader can follow it back — tree → the ledger transfers that funded it → the energy each share
spent → the award and methodology pack behind that energy → the events scored — and forward to
the partner's liability (project, order, evidence). Every fact in it is read from the store at
request time and nothing is stored: the same chain gives the same certificate, and Ed25519
signatures are deterministic, so the same signed bytes.

Which energy a share spent is decided FIFO (``attribute``): replay the planter's account in
ledger order; every credit joins a queue, every debit spends from its front. A share's debit is
then attributed to the earliest credits still unspent when it was made. A credit from a ball
(collect or steal) names its award; any other (water from a friend, a gift, a refund) is named
by its transfer kind only, so a certificate never names another participant.

People appear only as pseudonyms (``pseudonym``): ``px_`` and 20 hex digits of an HMAC keyed
with the instance's secret, stable for a participant, unlinkable to a user id without the key.
Ledger transfer ids are replaced by their ledger sequence numbers, because some ids (pools,
refunds) hold the user id.

Example: u1 collects a 156 g ball (award 7) at seq 3 and a 20 000 g ball (award 8) at seq 9,
then plants a 17 900 g tree at seq 12 → the share spends 156 g of award 7 and 17 744 g of
award 8: ``attribute("user:u1", entries, {12})[12] == (Portion(3, "collect", "7", 156, …),
Portion(9, "collect", "8", 17744, …))``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections import deque
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from saxaul.domain import accounts
from saxaul.domain.clock import from_us
from saxaul.domain.ledger import AccountKind

FORMAT = "saxaul-tree-certificate/1"
"""The certificate format's name and version; a reader refuses a format it does not know."""
PSEUDONYM_PREFIX = "px_"
PSEUDONYM_PURPOSE = "pseudonym"
"""The purpose the instance key derives the pseudonym secret for (``InstanceKeys.secret``)."""
UNATTRIBUTED = "unattributed"
"""The kind of a portion no credit covers: the replayed ledger holds less than was spent, which
only a ledger imported without its history can show; named, never hidden."""


def pseudonym(secret: bytes, user_id: str) -> str:
    """``px_`` + the first 20 hex digits of HMAC-SHA256(secret, user id)."""
    digest = hmac.new(secret, user_id.encode("utf-8"), hashlib.sha256).hexdigest()
    return PSEUDONYM_PREFIX + digest[:20]


@dataclass(frozen=True, slots=True)
class Entry:
    """One ledger transfer as the FIFO replay reads it."""

    seq: int
    kind: str
    debit: str
    credit: str
    amount_g: int
    at_us: int


@dataclass(frozen=True, slots=True)
class Portion:
    """Part of one credit that a debit spent: ``grams`` of the credit at ledger ``credit_seq``.

    ``award_id`` names the award when the credit came from a ball, else ``None``.
    """

    credit_seq: int
    kind: str
    award_id: str | None
    grams: int
    at_us: int


def attribute(
    account: str, entries: Iterable[Entry], debits: Collection[int]
) -> dict[int, tuple[Portion, ...]]:
    """For each debit seq in ``debits``, the credits of ``account`` it spent, FIFO.

    ``entries`` are the account's transfers in ledger order (a stream: nothing is kept but the
    queue of unspent credits); the replay stops after the last of ``debits``.
    """
    queue: deque[list[Any]] = deque()  # [seq, kind, award, grams left, at_us]
    wanted = set(debits)
    out: dict[int, tuple[Portion, ...]] = {}
    for entry in entries:
        if entry.credit == account:
            queue.append(
                [entry.seq, entry.kind, _award_of(entry.debit), entry.amount_g, entry.at_us]
            )
            continue
        if entry.debit != account:
            continue
        spent = _spend(queue, entry)
        if entry.seq in wanted:
            out[entry.seq] = spent
            wanted.discard(entry.seq)
            if not wanted:
                break
    return out


def _award_of(debit: str) -> str | None:
    if accounts.kind_of(debit) is AccountKind.BALL:
        return accounts.key_of(debit, AccountKind.BALL)
    return None


def _spend(queue: deque[list[Any]], debit: Entry) -> tuple[Portion, ...]:
    need = debit.amount_g
    portions: list[Portion] = []
    while need and queue:
        head = queue[0]
        grams = min(need, head[3])
        portions.append(Portion(head[0], head[1], head[2], grams, head[4]))
        head[3] -= grams
        need -= grams
        if not head[3]:
            queue.popleft()
    if need:
        portions.append(Portion(0, UNATTRIBUTED, None, need, debit.at_us))
    return tuple(portions)


# ---------------------------------------------------------------- the chain's facts


@dataclass(frozen=True, slots=True)
class TreeFacts:
    """The tree as planted: species (zh/en), catalogue version, mode, cost, promise."""

    id: str
    species_id: str
    species_zh: str
    species_en: str
    scientific_name: str
    region_zh: str
    region_en: str
    catalogue: str
    mode: str
    cost_g: int
    promised_at_us: int


@dataclass(frozen=True, slots=True)
class Funding:
    """A plant or pool transfer referencing the tree; ``planter`` is a pseudonym, or ``None``
    for the pool's own planting transfer (``tree:<id>`` → planted)."""

    seq: int
    kind: str
    planter: str | None
    amount_g: int
    at_us: int
    spent: tuple[Portion, ...]


@dataclass(frozen=True, slots=True)
class EventFacts:
    """One scored event behind an award."""

    source: str
    event_id: str
    behaviour: str
    occurred_at_us: int


@dataclass(frozen=True, slots=True)
class AwardFacts:
    """An award (one ball) and up to a bounded number of its events (``events_total``: all)."""

    id: str
    behaviour: str
    pack_id: str
    pack_version: str
    factors: str
    """The emission factor ids as the award stores them (``;``-joined)."""
    day: int
    energy_g: int
    events: tuple[EventFacts, ...]
    events_total: int


@dataclass(frozen=True, slots=True)
class EvidenceFacts:
    """One evidence document naming the tree, and what it says of it."""

    id: int
    kind: str
    sha256: str
    reported_at_us: int
    outcome: str


@dataclass(frozen=True, slots=True)
class LiabilityFacts:
    """Who owes the tree and how far it has got; project and order when assigned."""

    status: str
    replacements: int
    project: Mapping[str, Any] | None
    order: Mapping[str, Any] | None
    evidence: tuple[EvidenceFacts, ...]


@dataclass(frozen=True, slots=True)
class Chain:
    """Everything a certificate states, gathered from the store (``services.certificates``)."""

    tree: TreeFacts
    partner_zh: str
    partner_en: str
    funding: tuple[Funding, ...]
    awards: Mapping[str, AwardFacts]
    liability: LiabilityFacts | None


def number(tree_id: str) -> str:
    """The certificate number of a tree: ``SX-<tree id>``."""
    return f"SX-{tree_id}"


def url(tree_id: str) -> str:
    """Where a planter fetches the certificate of ``tree_id`` (the API's path)."""
    return f"/v1/me/trees/{tree_id}/certificate"


def _iso(us: int) -> str:
    return from_us(us).isoformat()


def certificate(chain: Chain) -> dict[str, Any]:
    """The certificate of ``chain`` as JSON-ready data (whole numbers and text only)."""
    tree = chain.tree
    planters: dict[str, int] = {}
    for share in chain.funding:
        if share.planter is not None:
            planters[share.planter] = planters.get(share.planter, 0) + share.amount_g
    return {
        "format": FORMAT,
        "number": number(tree.id),
        "tree": {
            "id": tree.id,
            "species": {
                "id": tree.species_id,
                "name_zh": tree.species_zh,
                "name_en": tree.species_en,
                "scientific_name": tree.scientific_name,
            },
            "region": {"zh": tree.region_zh, "en": tree.region_en},
            "partner": {"zh": chain.partner_zh, "en": chain.partner_en},
            "catalogue": tree.catalogue,
            "mode": tree.mode,
            "cost_g": tree.cost_g,
            "promised_at": _iso(tree.promised_at_us),
        },
        "planters": [{"pseudonym": p, "grams": g} for p, g in planters.items()],
        "funding": [_funding(share) for share in chain.funding],
        "awards": {award_id: _award(a) for award_id, a in sorted(chain.awards.items())},
        "liability": None if chain.liability is None else _liability(chain.liability),
    }


def _funding(share: Funding) -> dict[str, Any]:
    return {
        "seq": share.seq,
        "kind": share.kind,
        "planter": share.planter,
        "amount_g": share.amount_g,
        "at": _iso(share.at_us),
        "energy": [
            {
                "credit_seq": p.credit_seq,
                "kind": p.kind,
                "award": p.award_id,
                "grams": p.grams,
                "at": _iso(p.at_us),
            }
            for p in share.spent
        ],
    }


def _award(award: AwardFacts) -> dict[str, Any]:
    return {
        "behaviour": award.behaviour,
        "pack": f"{award.pack_id}@{award.pack_version}",
        "factors": award.factors,
        "day": dt.date.fromordinal(award.day).isoformat(),
        "energy_g": award.energy_g,
        "events": [
            {
                "source": e.source,
                "event_id": e.event_id,
                "behaviour": e.behaviour,
                "occurred_at": _iso(e.occurred_at_us),
            }
            for e in award.events
        ],
        "events_total": award.events_total,
    }


def _liability(liability: LiabilityFacts) -> dict[str, Any]:
    return {
        "status": liability.status,
        "replacements": liability.replacements,
        "project": None if liability.project is None else dict(liability.project),
        "order": None if liability.order is None else dict(liability.order),
        "evidence": [
            {
                "id": e.id,
                "kind": e.kind,
                "sha256": e.sha256,
                "reported_at": _iso(e.reported_at_us),
                "outcome": e.outcome,
            }
            for e in liability.evidence
        ],
    }


def award_ids(funding: Sequence[Funding]) -> set[str]:
    """Every award the funding's energy came from."""
    return {p.award_id for share in funding for p in share.spent if p.award_id is not None}
