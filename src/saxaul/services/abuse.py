"""Abuse review: scanning the ledger for automated play, the flags queue, and decisions.

Why a flag holds energy instead of refusing moves: a detector sees a pattern after the fact
and can be wrong, so nothing is undone or hidden; what the flagged behaviour gained is moved
to the flag's hold (``domain.holds``) and a person decides. A plausibility flag (raised when
events are scored, ``services.plausibility``) holds its award's whole ball from the mint on;
a detector's flag holds the grams the participant's steals (or, for a ring's receiver, the
ring's gifts) brought in the window, as far as their balance still has them.

Decisions are exactly-once: the flag row is locked, a decided flag answers the same decision
again as it is (a retry) and refuses the opposite one, and the move's transfer id
(``release:<flag>`` or ``forfeit:<flag>``) can be applied only once whatever happens.

Example: ``scan(rt, since, until)`` → ``ScanResult(findings=3, flagged=3, held_g=420)``;
``decide(rt, 3, Decision.CONFIRM, "ops-1", "script")`` → the 420 g go to ``forfeited``.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass

from saxaul.domain.accounts import (
    ball_account_id,
    hold_account_id,
    participant_account_id,
    system_accounts,
)
from saxaul.domain.clock import to_us
from saxaul.domain.errors import NotFound
from saxaul.domain.holds import (
    Decision,
    DecisionRefused,
    Flag,
    FlagStatus,
    already_decided,
    hold,
    settle,
)
from saxaul.domain.ledger import Account, AccountKind, Transfer, post_together
from saxaul.domain.paging import MAX_PAGE
from saxaul.services.abuse_detectors import Finding, detect
from saxaul.services.runtime import Runtime
from saxaul.store import abuse_repo, ledger_repo
from saxaul.store.uow import WriteUnitOfWork


@dataclass(frozen=True, slots=True)
class ScanResult:
    """What a scan found, how many flags were new, and the grams those new flags hold."""

    findings: int
    flagged: int
    held_g: int


def scan(rt: Runtime, since: dt.datetime, until: dt.datetime) -> ScanResult:
    """Run every detector over the moves in ``[since, until)`` and raise a flag per finding.

    The flag's key names the rule, the participant and the window, so scanning the same
    window again raises nothing new.
    """
    with rt.db.reading() as conn:
        moves = abuse_repo.moves(conn, since, until)
        awarded = abuse_repo.awarded(conn, since, until)
    findings = detect(moves, awarded, rt.abuse)
    window = f"{to_us(since)}-{to_us(until)}"
    now = rt.clock.now()
    rows = {
        f"{f.rule.id}:{f.user_id}:{window}": _row(f, rt.abuse.ref, to_us(now)) for f in findings
    }
    gains = {f"{f.rule.id}:{f.user_id}:{window}": f for f in findings}
    held = rt.db.write(functools.partial(_flag_and_hold, rows=rows, gains=gains, now=now))
    return ScanResult(findings=len(findings), flagged=len(held), held_g=sum(held.values()))


def _row(finding: Finding, rules_ref: str, now_us: int) -> dict[str, object]:
    return {
        "user_id": finding.user_id,
        "rule_id": finding.rule.id,
        "rules_ref": rules_ref,
        "reason_en": finding.rule.reason_en,
        "reason_zh": finding.rule.reason_zh,
        "evidence": json.dumps(finding.evidence, ensure_ascii=False, sort_keys=True),
        "award_id": None,
        "held_g": 0,
        "status": FlagStatus.OPEN.value,
        "created_at_us": now_us,
    }


def _flag_and_hold(
    conn: WriteUnitOfWork,
    *,
    rows: dict[str, dict[str, object]],
    gains: dict[str, Finding],
    now: dt.datetime,
) -> dict[int, int]:
    """Insert the new flags and hold what each finding gained, as far as the balance goes;
    flag id → grams held."""
    created = abuse_repo.insert_flags(conn, [{"key": k, **row} for k, row in rows.items()])
    if not created:
        return {}
    users = {gains[key].user_id for key in created}
    ledger_repo.open_participant_accounts(conn, users, to_us(now))
    accounts, balances = ledger_repo.lock_accounts(conn, {participant_account_id(u) for u in users})
    holding = {
        flag_id: Account(hold_account_id(flag_id), AccountKind.HOLD, gains[key].user_id)
        for key, flag_id in created.items()
    }
    ledger_repo.open_accounts(
        conn, holding.values(), dict.fromkeys((a.id for a in holding.values()), 0), to_us(now)
    )
    transfers: list[Transfer] = []
    held: dict[int, int] = {}
    for key, flag_id in sorted(created.items(), key=lambda item: item[1]):
        finding = gains[key]
        account = participant_account_id(finding.user_id)
        grams = min(balances.get(account, 0), finding.gained_g)
        held[flag_id] = max(grams, 0)
        if grams > 0:
            balances[account] -= grams
            transfers.append(hold(flag_id, account, grams, now, finding.user_id))
            abuse_repo.set_held(conn, flag_id, grams)
    ledger_repo.append_transfers(
        conn, transfers, cached=set(accounts) | {a.id for a in holding.values()}
    )
    return held


def list_flags(
    rt: Runtime, *, status: FlagStatus | None = None, limit: int = 100, after_id: int = 0
) -> tuple[list[Flag], int]:
    """A page of flags, oldest first (keyset: ``after_id``), and the matching total."""
    with rt.db.reading() as conn:
        return abuse_repo.page(conn, status, max(1, min(limit, MAX_PAGE)), after_id)


def decide(rt: Runtime, flag_id: int, decision: Decision, by: str, note: str | None) -> Flag:
    """Release or confirm flag ``flag_id``; the same decision again answers the flag as it is.

    Refusals: ``NotFound`` (no such flag), ``DecisionRefused`` ``already_decided`` (the other
    decision was taken) or ``not_minted`` (a flagged award whose ball the mint job has not made
    yet: there is nothing held to move).
    """
    return rt.db.write(
        functools.partial(
            _decide, flag_id=flag_id, decision=decision, by=by, note=note, now=rt.clock.now()
        )
    )


def _decide(
    conn: WriteUnitOfWork,
    *,
    flag_id: int,
    decision: Decision,
    by: str,
    note: str | None,
    now: dt.datetime,
) -> Flag:
    flag = abuse_repo.lock_flag(conn, flag_id)
    if flag is None:
        raise NotFound(f"there is no abuse flag {flag_id}", flag_id=flag_id)
    if already_decided(flag, decision):
        return flag
    expires_at = None
    if flag.ball_id is not None:
        expires_at = abuse_repo.ball_expiry(conn, flag.ball_id)
        if expires_at is None:
            raise DecisionRefused(
                f"the ball of flag {flag_id} is not minted yet; run the mint job first",
                code="not_minted",
                flag_id=flag_id,
            )
    ledger_repo.open_participant_accounts(conn, [flag.user_id], to_us(now))
    touched = {flag.account_id, participant_account_id(flag.user_id)}
    if flag.ball_id is not None:
        touched.add(ball_account_id(flag.ball_id))
    accounts, balances = ledger_repo.lock_accounts(conn, touched)
    transfers = settle(
        flag, decision, balances.get(flag.account_id, 0), now, ball_expires_at=expires_at
    )
    refused = post_together(dict(balances), transfers, {**system_accounts(), **accounts})
    if refused is not None:
        raise DecisionRefused(
            f"the hold of flag {flag_id} could not move ({refused.code})",
            code="hold_refused",
            flag_id=flag_id,
        )
    ledger_repo.append_transfers(conn, transfers, cached=set(balances))
    abuse_repo.decide(conn, flag_id, decision.status, by, now, note)
    decided = abuse_repo.lock_flag(conn, flag_id)
    assert decided is not None
    return decided
