"""Behaviour events as they arrive, and their identity for exactly-once processing.

An event's identity is ``(source, event_id)``: the same pair sent twice is one event. Sending
the pair again with any other field changed is a conflict (``exists_with_different_payload``),
never a second event and never an overwrite.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class EventStatus(StrEnum):
    """What scoring did with a stored event."""

    SCORED = "scored"
    """Scored under a pack; its credited milligrams may still be 0 because of caps."""
    NO_CONSENT = "no_consent"
    """Kept but not scored: the user is unknown, has not consented, or had opted out."""
    NOT_EFFECTIVE = "not_effective"
    """Kept but not scored: the behaviour's pack was not in force on the event's local date."""
    MISSING_ATTRIBUTE = "missing_attribute"
    """Kept but not scored: a rule of the behaviour needs an attribute (an account number, a
    visit time) that the event lacks or that cannot be read."""
    TOO_EARLY = "too_early"
    """Kept but not scored: it occurred before the instant its ``earns_after`` attribute names
    (a hospital appointment credited before the visit)."""
    ALREADY_CLAIMED = "already_claimed"
    """Kept but not scored: the user already earned for the same value of the behaviour's
    ``one_per`` attribute in this period (a second bill for one account in one month)."""
    OVER_BUDGET = "over_budget"
    """Kept but not credited: a business scenario's energy budget was spent before it
    (``saxaul.domain.scenarios``); it still counts towards its behaviour's caps."""


INELIGIBLE = (EventStatus.MISSING_ATTRIBUTE, EventStatus.TOO_EARLY, EventStatus.ALREADY_CLAIMED)
"""Statuses of events a pack's attribute rules refused: kept, with the reason, earning 0.
Summaries count them as one ``ineligible`` figure beside scored, no consent and not in force."""


class RejectCode(StrEnum):
    """Why a row was refused at the door (kept in quarantine with its line and reason)."""

    MISSING_FIELD = "missing_field"
    """A required column is empty."""
    INVALID_VALUE = "invalid_value"
    """A value has the wrong type, range or length."""
    INVALID_TIMESTAMP = "invalid_timestamp"
    """``occurred_at`` is not ISO 8601 with a UTC offset."""
    UNKNOWN_BEHAVIOUR = "unknown_behaviour"
    """No active methodology pack scores this behaviour id."""
    MALFORMED_ROW = "malformed_row"
    """The line could not be parsed at all (broken JSON, wrong column count)."""
    DUPLICATE_IN_BATCH = "duplicate_in_batch"
    """The same (source, event_id) appears earlier in the same batch with other fields."""
    EXISTS_WITH_DIFFERENT_PAYLOAD = "exists_with_different_payload"
    """The (source, event_id) was accepted before with different fields."""
    KEY_COLLISION = "key_collision"
    """Another event's 64-bit dedupe key collided with this one (astronomically rare)."""
    DEAD_LETTER = "dead_letter"
    """A stream message whose import failed on every delivery up to the limit
    (``SAXAUL_STREAM_MAX_DELIVER``), set aside so it stops holding the stream up; the reason
    is the last error. The row itself may be valid: publish it again once the fault is fixed."""


@dataclass(frozen=True, slots=True)
class Rejection:
    """A refused row: where it was (1-based line or 0-based index), why, and its raw text."""

    line: int
    code: RejectCode
    reason: str
    raw: str
    field: str | None = None
