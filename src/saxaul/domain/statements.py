"""A personal carbon statement: what it says of the ledger, and whether it agrees with itself.

Why a statement carries its own arithmetic: it is read offline, and later by another instance
that never saw the ledger it came from. So everything it totals is also listed — every transfer
touching the participant's accounts (``history``), every ball with what became of it — and
``inconsistency`` recomputes the totals and each ball's fate from that history; a statement
whose sums disagree is refused even when its signature is good (a signing instance with a bug
must not hand out a wrong account of someone).

Whose data it holds: the participant's own. A transfer to or from another participant (a friend
who stole from my ball, a friend I watered, a ball of theirs I stole from) names that side
``OTHER_PARTICIPANT`` and nothing else: their id, their ball's id, their debt are theirs, not
mine to take away (``party``). The statement's ``notice`` says so in both languages. For the
same reason a tree's certificate is embedded only when every award it traces is the
participant's own (``names_others``): a certificate follows stolen energy back to the friend's
award and events, so such a tree carries a note and its certificate's url instead.

Example: ``party("user:u2", {"user:u1", "ball:7"})`` → ``"another_participant"``;
``party("ball:7", …)`` → ``"ball:7"``; ``party("issuance", …)`` → ``"issuance"``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from saxaul.domain import accounts
from saxaul.domain.clock import from_us, to_us
from saxaul.domain.ledger import AccountKind

FORMAT = "saxaul-carbon-statement/1"
"""The statement format's name and version; a reader refuses a format it does not know."""
OTHER_PARTICIPANT = "another_participant"
"""What a transfer's side reads when it is any account of another participant."""
LIVE = "live"
"""The fate of a ball still holding energy (it may yet be collected, stolen or expire)."""
_PEOPLE = frozenset({AccountKind.PARTICIPANT, AccountKind.BALL, AccountKind.DEBT})
"""Account kinds that belong to one person: shown only when they are the statement's owner's."""

NOTICE = {
    "en": "This statement holds what this Saxaul instance holds about you. Where energy moved "
    "between you and another participant (a steal, a watering), the other side is shown as "
    f'"{OTHER_PARTICIPANT}": their id and their data are theirs, not part of your statement. '
    "Energy listed here was issued by this instance's ledger; another instance keeps it as "
    "read-only history and credits none of it.",
    "zh": "本对账单包含本 Saxaul 实例保存的关于你的全部数据。你与其他参与者之间的能量往来"
    f"（偷能量、浇水）中，对方一律显示为“{OTHER_PARTICIPANT}”：对方的编号和数据属于对方，"
    "不属于你的对账单。这里列出的能量由本实例的账本发放；其他实例只将其作为只读历史保存，"
    "不会计入任何能量。",
}
"""What the statement tells its reader about others' data and about re-importing it."""


WITHHELD = {
    "en": "This tree's certificate is not embedded: it traces energy you took from another "
    "participant's ball back to their award and events, which are their data. Download the "
    "certificate itself from its url.",
    "zh": "本对账单未嵌入这棵树的证书：证书把你从其他参与者能量球中取得的能量追溯到对方的"
    "计分记录和事件，那是对方的数据。证书本身可从其 url 下载。",
}
"""Why a tree's certificate is left out of the statement, when it is (``names_others``)."""


def names_others(certificate: Mapping[str, Any], own_awards: Collection[str]) -> bool:
    """Whether a certificate file (``{"certificate": …, "signature": …}``) lists an award that
    is not one of ``own_awards``: energy stolen from a friend is traced back to the friend's
    award and its events, so the file holds another participant's data."""
    return not set(certificate["certificate"]["awards"]) <= set(own_awards)


def iso(us: int) -> str:
    """An instant stored as microseconds, as the statement writes it (ISO 8601, UTC)."""
    return from_us(us).isoformat()


def party(account_id: str, mine: Collection[str]) -> str:
    """How ``account_id`` appears in the statement of the owner of the accounts ``mine``."""
    if account_id in mine or accounts.kind_of(account_id) not in _PEOPLE:
        return account_id
    return OTHER_PARTICIPANT


@dataclass(frozen=True, slots=True)
class Tally:
    """What a history adds up to: each named account's balance, and what left each ball."""

    balances: Mapping[str, int]
    taken: Mapping[str, Mapping[str, int]]
    """Per ball account, grams debited from it by transfer kind, in order of first take."""


@dataclass(slots=True)
class _Running:
    balances: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    taken: defaultdict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))


def tally(history: Iterable[Mapping[str, Any]]) -> Tally:
    """Balances of every account named in ``history`` (credits − debits) and each ball's takes."""
    run = _Running()
    for entry in history:
        source, target, grams = entry["from"], entry["to"], entry["amount_g"]
        run.balances[source] -= grams
        run.balances[target] += grams
        if source.startswith(accounts.prefix(AccountKind.BALL)):
            takes = run.taken[source]
            takes[entry["kind"]] = takes.get(entry["kind"], 0) + grams
    return Tally(dict(run.balances), dict(run.taken))


def totals(user: str, awards: Sequence[Mapping[str, Any]], counted: Tally) -> dict[str, int]:
    """The statement's totals: energy and debt from the history, balls' remainders, awards."""
    balls = accounts.prefix(AccountKind.BALL)
    return {
        "energy_g": counted.balances.get(accounts.participant_account_id(user), 0),
        "owed_g": -counted.balances.get(accounts.debt_account_id(user), 0),
        "in_balls_g": sum(g for a, g in counted.balances.items() if a.startswith(balls)),
        "awarded_g": sum(int(award["energy_g"]) for award in awards),
        "avoided_mg": sum(int(award["avoided_mg"]) for award in awards),
    }


def fate(ball_id: str, amount_g: int, counted: Tally) -> dict[str, Any]:
    """What became of a ball: grams taken by each kind of transfer, what is left, one word."""
    account = accounts.ball_account_id(ball_id)
    taken = dict(counted.taken.get(account, {}))
    left = counted.balances.get(account, 0)
    words = [kind for kind, grams in taken.items() if grams > 0]
    return {
        "taken": taken,
        "remaining_g": left,
        "fate": LIVE if left > 0 else "+".join(words),
        "amount_g": amount_g,
    }


class _Malformed(Exception):
    """A field of the wrong shape: said as the reason, never raised past ``inconsistency``."""


def inconsistency(statement: Mapping[str, Any]) -> str | None:
    """Why ``statement`` disagrees with itself, or ``None`` if its sums all hold.

    Checks: the history in ledger order; totals equal to what the history and awards add up
    to; each ball's amount, takes and remainder equal to its history; the period's ends and
    ``generated_at`` are instants, the period in order.
    """
    try:
        return _inconsistency(statement)
    except _Malformed as exc:
        return f"malformed: {exc}"


def _inconsistency(statement: Mapping[str, Any]) -> str | None:
    user = _text(_object(statement, "participant"), "user_id")
    history = [_entry(e) for e in _list(statement, "history")]
    seqs = [e["seq"] for e in history]
    if seqs != sorted(set(seqs)):
        return "the history is not in ledger order (sequence numbers must rise)"
    awards = [_object_of(a, "awards[]") for a in _list(statement, "awards")]
    for award in awards:
        for name in ("energy_g", "avoided_mg"):
            _int(award, name)
    counted = tally(history)
    expected = totals(user, awards, counted)
    stated = _object(statement, "totals")
    for name, value in expected.items():
        if stated.get(name) != value:
            return f"totals.{name} is {stated.get(name)!r}, but the history adds up to {value}"
    for ball in (_object_of(b, "balls[]") for b in _list(statement, "balls")):
        ball_id = _text(ball, "id")
        recomputed = fate(ball_id, _int(ball, "amount_g"), counted)
        credited = _credited(history, accounts.ball_account_id(ball_id))
        if credited != recomputed["amount_g"]:
            return f"ball {ball_id} holds {recomputed['amount_g']} g but was credited {credited} g"
        for name in ("taken", "remaining_g", "fate"):
            if ball.get(name) != recomputed[name]:
                return f"ball {ball_id}: {name} disagrees with the history"
    for tree in _list(statement, "trees"):
        _object_of(tree, "trees[]")
    period = _object(statement, "period")
    start, end = _instant(period, "from"), _instant(period, "to")
    if start > end:
        return "the period ends before it starts"
    _instant(statement, "generated_at")
    return None


def _credited(history: Iterable[Mapping[str, Any]], account: str) -> int:
    return sum(e["amount_g"] for e in history if e["to"] == account)


def _entry(value: Any) -> Mapping[str, Any]:
    entry = _object_of(value, "history[]")
    for number in ("seq", "amount_g"):
        _int(entry, number)
    for name in ("kind", "from", "to"):
        _text(entry, name)
    return entry


def _object(holder: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    return _object_of(holder.get(name), name)


def _object_of(value: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _Malformed(f"{name} is not an object")
    return value


def _list(holder: Mapping[str, Any], name: str) -> list[Any]:
    value = holder.get(name)
    if not isinstance(value, list):
        raise _Malformed(f"{name} is not a list")
    return value


def _text(holder: Mapping[str, Any], name: str) -> str:
    value = holder.get(name)
    if not isinstance(value, str):
        raise _Malformed(f"{name} is not text")
    return value


def _int(holder: Mapping[str, Any], name: str) -> int:
    value = holder.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise _Malformed(f"{name} is not a whole number")
    return value


def _instant(holder: Mapping[str, Any], name: str) -> dt.datetime:
    text = _text(holder, name)
    try:
        instant = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise _Malformed(f"{name} is not an ISO 8601 instant") from exc
    if instant.tzinfo is None:
        raise _Malformed(f"{name} has no UTC offset")
    return instant


def period_us(statement: Mapping[str, Any]) -> tuple[int, int]:
    """The period a consistent statement covers, as microseconds (from, to)."""
    period = statement["period"]
    start = dt.datetime.fromisoformat(period["from"])
    end = dt.datetime.fromisoformat(period["to"])
    return to_us(start), to_us(end)
