"""The personal carbon statement: everything held about one participant, signed to take away.

Why one document and not the API's pages: a participant's right of access and portability
(PIPL arts. 45 and 45(3); GDPR arts. 15 and 20) is served by a file they can keep, check offline
and bring to another instance. It holds, read in one snapshot: the participant as held
(enrolment, consent, demographics, whether they sign in with a password — never its hash), every
award with the method behind it (the explanation ``ball_story`` gives a ball, and the award's
first events), every ledger transfer touching their energy, debt and balls, each ball's fate,
their trees with each promised tree's own signed certificate, and totals equal to that history
(``domain.statements``). It is sealed with the instance key like a certificate
(``statement_seal``).

The work is bounded by the participant: their balls by the indexed owner, their awards by primary
key, their transfers in pages by the indexed accounts, their awards' events in one read (the
same read a certificate makes; ``certificates_repo.EVENTS_PER_AWARD`` events each, with their
count). A participant has hundreds to a few thousand rows; nobody else's are read.

Who gets it: the participant (``GET /v1/me/statement``) and the operator on their request
(``saxaul statement export``). Example: ``signed(rt, "u1")`` → the signed file's bytes;
``statement_seal.verify(those).statement["totals"]["energy_g"]`` equals u1's ledger balance.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from saxaul import __version__
from saxaul.domain import accounts, statements
from saxaul.domain.canonical_json import parse_strict
from saxaul.domain.certificates import AwardFacts, url
from saxaul.domain.clock import to_us
from saxaul.domain.errors import NotFound
from saxaul.domain.ledger import Transfer
from saxaul.domain.planting import Tree, TreeStatus
from saxaul.services import ball_story, certificates, statement_seal
from saxaul.services.ball_story import BallStory
from saxaul.services.certificate_page import Lang
from saxaul.services.erasure import refuse_if_erased
from saxaul.services.runtime import Runtime
from saxaul.services.statement_page import html_page
from saxaul.store import (
    abuse_repo,
    awards_repo,
    certificates_repo,
    ledger_repo,
    statements_repo,
    trees_repo,
)
from saxaul.store.statements_repo import BallRow, Held
from saxaul.store.uow import UnitOfWork

Format = Literal["json", "html"]
MEDIA_TYPES: dict[Format, str] = {
    "json": "application/json",
    "html": "text/html; charset=utf-8",
}
HISTORY_PAGE = 5_000
"""Ledger transfers read per page while gathering a participant's history."""


def signed(rt: Runtime, user: str) -> bytes:
    """The signed statement of ``user``; ``NotFound`` if nobody is enrolled as ``user``."""
    return statement_seal.seal(content(rt, user), rt.keys.sign, rt.keys.public_key)


def render(data: bytes, fmt: Format, lang: Lang = "zh") -> bytes:
    """The signed file ``data`` as ``fmt``: itself (json) or its page (html), drawn only from a
    file that verifies, so the page cannot show what the signature does not cover."""
    if fmt == "json":
        return data
    return html_page(statement_seal.verify(data), lang).encode("utf-8")


def content(rt: Runtime, user: str) -> dict[str, Any]:
    """What ``user``'s statement says (unsigned), read in one snapshot."""
    now = rt.clock.now()
    with rt.db.reading() as conn:
        refuse_if_erased(conn, user)
        person = statements_repo.held(conn, user)
        if person is None:
            raise NotFound(f"no participant {user}", user_id=user)
        award_rows = awards_repo.awards_of_balls(conn, user)
        packs = {
            ref: ball_story.pack_of(rt, conn, pack_id, version)
            for ref, (pack_id, version) in {
                f"{a.pack_id}@{a.pack_version}": (a.pack_id, a.pack_version) for a in award_rows
            }.items()
        }
        holds = abuse_repo.flags_of_balls(conn, [a.id for a in award_rows])
        stories = [
            ball_story.explain(a, packs[f"{a.pack_id}@{a.pack_version}"], holds.get(a.id))
            for a in award_rows
        ]
        facts = certificates_repo.awards_with_events(conn, [a.id for a in award_rows])
        balls = statements_repo.balls_of(conn, user)
        mine = {accounts.participant_account_id(user), accounts.debt_account_id(user)}
        mine.update(accounts.ball_account_id(b.id) for b in balls)
        rows = list(_history(conn, mine))
        own = {a.id for a in award_rows}
        trees = [
            _tree(rt, conn, t, own) for t in trees_repo.trees_of(conn, user, limit=None).values()
        ]
    awards = [_award(story, facts.get(story.ball_id)) for story in stories]
    history = [_transfer(seq, transfer, mine) for seq, transfer in rows]
    start = min(person.enrolled_at_us, to_us(rows[0][1].at)) if rows else person.enrolled_at_us
    counted = statements.tally(history)
    return {
        "format": statements.FORMAT,
        "generated_at": now.isoformat(),
        "period": {
            "from": statements.iso(min(start, to_us(now))),
            "to": now.isoformat(),
        },
        "issuer": {"software": "saxaul", "version": __version__, "key_id": rt.keys.key_id},
        "notice": statements.NOTICE,
        "participant": _participant(person),
        "awards": awards,
        "balls": [_ball(ball, counted) for ball in balls],
        "history": history,
        "trees": trees,
        "totals": statements.totals(user, awards, counted),
    }


def _history(conn: UnitOfWork, mine: set[str]) -> Iterator[tuple[int, Transfer]]:
    """Every transfer touching ``mine``, oldest first (the repo pages newest first)."""
    pages: list[list[tuple[int, Transfer]]] = []
    before = None
    while True:
        page = ledger_repo.statement(conn, mine, HISTORY_PAGE, before)
        pages.append(page)
        if len(page) < HISTORY_PAGE:
            break
        before = page[-1][0]
    for page in reversed(pages):
        yield from reversed(page)


def _transfer(seq: int, transfer: Transfer, mine: set[str]) -> dict[str, Any]:
    """A transfer as the statement shows it: by ledger sequence, never by its id (some ids name
    the other participant), and another participant's side as ``another_participant``."""
    return {
        "seq": seq,
        "at": transfer.at.isoformat(),
        "kind": transfer.kind.value,
        "amount_g": transfer.amount_g,
        "from": statements.party(transfer.debit_account, mine),
        "to": statements.party(transfer.credit_account, mine),
    }


def _participant(person: Held) -> dict[str, Any]:
    return {
        "user_id": person.user_id,
        "enrolled_at": statements.iso(person.enrolled_at_us),
        "consent": {
            "scopes": list(person.consent_scopes),
            "given_at": _maybe_iso(person.consent_at_us),
            "withdrawn_at": _maybe_iso(person.withdrawn_at_us),
        },
        "opted_out": person.withdrawn_at_us is not None,
        "demographics": {
            "gender": person.gender,
            "birth_year": person.birth_year,
            "province": person.province,
        },
        "sign_in": None
        if person.password_set_at_us is None
        else {"name": person.user_id, "password_set_at": statements.iso(person.password_set_at_us)},
    }


def _maybe_iso(us: int | None) -> str | None:
    return None if us is None else statements.iso(us)


def _award(story: BallStory, facts: AwardFacts | None) -> dict[str, Any]:
    """An award with its method, as ``GET /v1/me/balls/{id}`` explains it, and its events."""
    return {
        "id": story.ball_id,
        "behaviour": story.behaviour,
        "name_zh": story.name_zh,
        "name_en": story.name_en,
        "day": story.day.isoformat(),
        "pack": f"{story.pack_id}@{story.pack_version}",
        "pack_title": story.pack_title,
        "formula": story.formula,
        "activity_unit": story.activity_unit,
        "baseline_note": story.baseline_note,
        "factors": [
            {
                "id": f.id,
                "value": str(f.value),
                "unit": f.unit,
                "year": f.year,
                "status": f.status,
                "note": f.note,
                "source": {
                    "id": f.source_id,
                    "title": f.source_title,
                    "url": f.source_url,
                    "locator": f.source_locator,
                },
            }
            for f in story.factors
        ],
        "events_counted": story.events_counted,
        "hold": None
        if story.hold is None
        else {
            "status": story.hold.status,
            "reason_en": story.hold.reason_en,
            "reason_zh": story.hold.reason_zh,
            "held_g": story.hold.held_g,
        },
        "events_total": 0 if facts is None else facts.events_total,
        "events": []
        if facts is None
        else [
            {
                "source": e.source,
                "event_id": e.event_id,
                "behaviour": e.behaviour,
                "occurred_at": statements.iso(e.occurred_at_us),
            }
            for e in facts.events
        ],
        "avoided_mg": story.avoided_mg,
        "energy_g": story.energy_g,
    }


def _ball(ball: BallRow, counted: statements.Tally) -> dict[str, Any]:
    return {
        "id": ball.id,
        "behaviour": ball.behaviour,
        "created_at": statements.iso(ball.created_at_us),
        "ripens_at": statements.iso(ball.ripens_at_us),
        "expires_at": statements.iso(ball.expires_at_us),
        **statements.fate(ball.id, ball.amount_g, counted),
    }


def _tree(rt: Runtime, conn: UnitOfWork, tree: Tree, own_awards: set[str]) -> dict[str, Any]:
    """A tree without its planters' ids (a co-planted tree's others are not mine to take), with
    its partner, project, evidence summary and, once promised, its signed certificate as-is —
    unless the certificate traces energy to another participant's award (``names_others``)."""
    liability = certificates_repo.liability(conn, tree.id)
    evidence = () if liability is None else liability.evidence
    certificate = None
    if tree.status is TreeStatus.PROMISED and tree.promised_at is not None:
        certificate = parse_strict(certificates.sealed(rt, conn, tree))
    withheld = certificate is not None and statements.names_others(certificate, own_awards)
    return {
        "id": tree.id,
        "species": _species(rt, tree.species_id),
        "mode": tree.mode.value,
        "status": tree.status.value,
        "cost_g": tree.cost_g,
        "planters": len(tree.members),
        "created_at": tree.created_at.isoformat(),
        "promised_at": None if tree.promised_at is None else tree.promised_at.isoformat(),
        "liability": None
        if liability is None
        else {
            "status": liability.status,
            "replacements": liability.replacements,
            "project": None if liability.project is None else dict(liability.project),
        },
        "evidence": {
            "documents": len(evidence),
            "latest_outcome": evidence[-1].outcome if evidence else None,
            "latest_reported_at": statements.iso(evidence[-1].reported_at_us) if evidence else None,
        },
        "certificate": None if withheld else certificate,
        "certificate_withheld": {**statements.WITHHELD, "url": url(tree.id)} if withheld else None,
    }


def _species(rt: Runtime, species_id: str) -> dict[str, Any]:
    try:
        species = rt.species.get(species_id)
    except KeyError:
        return {"id": species_id}
    return {
        "id": species.id,
        "name_zh": species.name_zh,
        "name_en": species.name_en,
        "partner": {"zh": species.partner.name_zh, "en": species.partner.name_en},
    }
