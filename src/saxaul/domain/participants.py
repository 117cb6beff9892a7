"""Participants and consent: nothing is scored without explicit, current consent.

The rule (its one home): an event may be scored only if its user enrolled with the
``scoring`` scope, the event happened at or after consent was given, and before any opt-out.
Example: consent at 2026-01-01T08:00+08:00, opt-out at 2026-02-01 → an event on 2026-01-15 is
scored, one on 2025-12-31 or 2026-02-02 is not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class ConsentScope(StrEnum):
    """What a participant has agreed to."""

    SCORING = "scoring"
    """Score my behaviour events into avoided emissions and green energy."""
    REPORTS = "reports"
    """Count me (in aggregates never smaller than the privacy threshold) in impact reports."""


@dataclass(frozen=True, slots=True)
class Participant:
    """A pseudonymous participant and their consent; demographics live in their own table."""

    user_id: str
    enrolled_at: dt.datetime
    consent_scopes: frozenset[ConsentScope]
    consent_at: dt.datetime | None
    withdrawn_at: dt.datetime | None = None


def may_score(participant: Participant | None, occurred_at: dt.datetime) -> bool:
    """Whether an event at ``occurred_at`` by this participant may be scored (see module rule)."""
    if participant is None or participant.consent_at is None:
        return False
    if ConsentScope.SCORING not in participant.consent_scopes:
        return False
    if occurred_at < participant.consent_at:
        return False
    return participant.withdrawn_at is None or occurred_at < participant.withdrawn_at
