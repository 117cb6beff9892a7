"""Scoring: behaviour events → avoided milligrams, capped and aggregated into daily awards.

Two scorers that must agree exactly: ``reference.score_reference`` (plain Python over domain
rules, the readable specification) and ``kernel.score`` (Polars, for batches of millions).
``verify.verify_pack`` runs a pack's test vectors through both. Example: 6 metro trips in one
day under a 5-trip cap → 5 counted, the 6th credited 0, one award row for the day. See
README.md for the module map and the rules.
"""

from saxaul.scoring.kernel import (
    ScoreResult,
    cap_groups,
    empty_participants,
    empty_prior,
    score,
)
from saxaul.scoring.reference import (
    AwardRow,
    EventOutcome,
    PlainResult,
    ScoringEvent,
    UsageKey,
    UsageRow,
    score_reference,
)
from saxaul.scoring.table import (
    AWARD_SCHEMA,
    EVENT_RESULT_SCHEMA,
    EVENTS_SCHEMA,
    PARTICIPANTS_SCHEMA,
    TABLE_SCHEMA,
    USAGE_SCHEMA,
    BehaviourTable,
    index_behaviours,
)
from saxaul.scoring.verify import (
    VectorOutcome,
    plain_result,
    score_both,
    verify_pack,
    verify_vector,
)

__all__ = [
    "AWARD_SCHEMA",
    "EVENTS_SCHEMA",
    "EVENT_RESULT_SCHEMA",
    "PARTICIPANTS_SCHEMA",
    "TABLE_SCHEMA",
    "USAGE_SCHEMA",
    "AwardRow",
    "BehaviourTable",
    "EventOutcome",
    "PlainResult",
    "ScoreResult",
    "ScoringEvent",
    "UsageKey",
    "UsageRow",
    "VectorOutcome",
    "cap_groups",
    "empty_participants",
    "empty_prior",
    "index_behaviours",
    "plain_result",
    "score",
    "score_both",
    "score_reference",
    "verify_pack",
    "verify_vector",
]
