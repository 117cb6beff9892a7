"""What a participant sees of balls, trees, covers and moves: plain JSON-ready dicts.

Why here and not in the API: the answer to a move is stored with it (``services.game``) and
replayed to a retried request byte for byte, so it must be built below the HTTP layer; the CLI
and the demo print the same shapes. Names of species come in Chinese and English.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from saxaul.domain import energy
from saxaul.domain.energy import Ball, EnergyRefused
from saxaul.domain.game_rules import EnergyRules, Provenance, SpeciesCatalogue
from saxaul.domain.ledger import Transfer
from saxaul.domain.planting import Tree, TreeStatus
from saxaul.domain.play import Outcome
from saxaul.domain.protection import Cover
from saxaul.services.runtime import Runtime


def ball_state(ball: Ball, now: dt.datetime) -> str:
    """``growing`` (not ripe yet), ``ripe``, ``empty`` (all taken) or ``expired``."""
    if ball.is_expired(now):
        return "expired"
    if ball.remaining_g <= 0:
        return "empty"
    return "ripe" if ball.is_ripe(now) else "growing"


def ball_view(ball: Ball, now: dt.datetime) -> dict[str, Any]:
    """A ball with its times, what is left, and who took what."""
    return {
        "id": ball.id,
        "owner": ball.owner,
        "behaviour": ball.behaviour,
        "amount_g": ball.amount_g,
        "remaining_g": ball.remaining_g,
        "state": ball_state(ball, now),
        "created_at": ball.created_at.isoformat(),
        "ripens_at": ball.ripens_at.isoformat(),
        "expires_at": ball.expires_at.isoformat(),
        "taken_by": [{"user_id": user, "grams": grams} for user, grams in ball.taken_by],
        "expired_g": ball.expired_g,
    }


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


def tree_view(tree: Tree, rt: Runtime) -> dict[str, Any]:
    """A tree with its species (zh/en), progress, planters and, once promised, its certificate."""
    species = rt.species.get(tree.species_id)
    view: dict[str, Any] = {
        "id": tree.id,
        "species": {
            "id": species.id,
            "name_zh": species.name_zh,
            "name_en": species.name_en,
            "scientific_name": species.scientific_name,
        },
        "catalogue": tree.catalogue,
        "mode": tree.mode.value,
        "status": tree.status.value,
        "cost_g": tree.cost_g,
        "pooled_g": tree.pooled_g,
        "progress": round(tree.pooled_g / tree.cost_g, 4),
        "initiator": tree.initiator,
        "members": list(tree.members),
        "shares": [{"user_id": user, "grams": grams} for user, grams in tree.shares],
        "created_at": tree.created_at.isoformat(),
        "promised_at": None if tree.promised_at is None else tree.promised_at.isoformat(),
        "certificate": None,
    }
    if tree.status is TreeStatus.PROMISED:
        view["certificate"] = {
            "number": f"SX-{tree.id}",
            "species_zh": species.name_zh,
            "species_en": species.name_en,
            "region_zh": species.region.name_zh,
            "region_en": species.region.name_en,
            "partner_zh": species.partner.name_zh,
            "partner_en": species.partner.name_en,
            "planting": "promised: the partner will plant it and add evidence",
            "planting_zh": "已承诺：合作伙伴将种下并提交凭证",
        }
    return view


def cover_view(cover: Cover) -> dict[str, Any]:
    """A protection cover."""
    return {
        "user_id": cover.user_id,
        "starts_at": cover.starts_at.isoformat(),
        "ends_at": cover.ends_at.isoformat(),
        "hours": cover.hours,
    }


def transfer_view(transfer: Transfer) -> dict[str, Any]:
    """One ledger transfer."""
    return {
        "id": transfer.id,
        "kind": transfer.kind.value,
        "from": transfer.debit_account,
        "to": transfer.credit_account,
        "amount_g": transfer.amount_g,
        "at": transfer.at.isoformat(),
        "reference": transfer.reference,
    }


def outcome_view(outcome: Outcome, rt: Runtime) -> dict[str, Any]:
    """The answer to an applied move: its transfers and the ball, tree or cover it changed."""
    view: dict[str, Any] = {
        "move": type(outcome.move).__name__.lower(),
        "transfers": [transfer_view(t) for t in outcome.transfers],
    }
    subject = outcome.subject
    if isinstance(subject, Ball):
        view["ball"] = ball_view(subject, rt.clock.now())
    elif isinstance(subject, Tree):
        view["tree"] = tree_view(subject, rt)
    elif isinstance(subject, Cover):
        view["cover"] = cover_view(subject)
    return view


def _provenance(provenance: Provenance) -> dict[str, str]:
    return {"tag": provenance.tag.value, "source": provenance.source_id, "note": provenance.note}


def catalogue_view(catalogue: SpeciesCatalogue) -> dict[str, Any]:
    """The species a participant can plant: names (zh/en), price, region, partner and sink.

    Why every number carries its tag and source: a tree's price is set by the programme and its
    CO2 sink is a separate estimate, and most of them are unconfirmed; the app must be able to
    say so next to each, never present a price as a measured sink.
    """
    return {
        "catalogue": catalogue.ref,
        "species": [
            {
                "id": species.id,
                "name_zh": species.name_zh,
                "name_en": species.name_en,
                "scientific_name": species.scientific_name,
                "energy_cost_g": species.energy_cost_g,
                "cost_provenance": _provenance(species.cost_provenance),
                "region": {
                    "name_zh": species.region.name_zh,
                    "name_en": species.region.name_en,
                    **_provenance(species.region.provenance),
                },
                "partner": {
                    "name_zh": species.partner.name_zh,
                    "name_en": species.partner.name_en,
                    **_provenance(species.partner.provenance),
                },
                "sink": None
                if species.sink is None
                else {"kg_co2": str(species.sink.kg_co2), **_provenance(species.sink.provenance)},
            }
            for species in catalogue.species
        ],
        "sources": [
            {"id": source.id, "title": source.title, "address": source.address}
            for source in catalogue.sources
        ],
    }
