"""Friendships in bulk: a population's pairs staged through Arrow and stored in one statement.

Why not ``friends_repo``: a simulated population brings tens of thousands of friendships a day
at 1:100 of the pilot, and looking them up through bound ``IN`` lists spent most of its time
converting each bound value (a py-spy profile of that run: 20 % of the whole play). Staged as a
temporary table, the check that both sides are enrolled and the insert are each one statement
whatever the number of pairs.
"""

from __future__ import annotations

import polars as pl

from saxaul.domain.friends import FriendshipStatus
from saxaul.store.bulk import BulkConnection

STAGE = "stage_friendships"
COLUMNS = ("user_low", "user_high", "inviter", "status", "invited_at_us", "accepted_at_us")
FIRST_UNKNOWN = (
    f"SELECT MIN(u) FROM (SELECT user_low AS u FROM {STAGE} UNION SELECT user_high FROM {STAGE}) s "
    "WHERE NOT EXISTS (SELECT 1 FROM participants p WHERE p.user_id = s.u)"
)


def stage_accepted(bulk: BulkConnection, rows: pl.DataFrame) -> str | None:
    """Stage ``rows`` (``user_low, user_high, inviter, at_us``: pairs as ``domain.friends.pair``
    keys them) as friendships invited and accepted at ``at_us``, a pair given twice once (the
    first); answers the smallest id among them that is not an enrolled participant, if any."""
    accepted = FriendshipStatus.ACCEPTED.value
    bulk.stage(
        STAGE,
        rows.unique(["user_low", "user_high"], keep="first", maintain_order=True).select(
            "user_low",
            "user_high",
            "inviter",
            status=pl.lit(accepted),
            invited_at_us=pl.col("at_us"),
            accepted_at_us=pl.col("at_us"),
        ),
    )
    unknown = bulk.scalar(FIRST_UNKNOWN)
    return None if unknown is None else str(unknown)


def insert_staged(bulk: BulkConnection) -> int:
    """Store the staged friendships whose pair has no row yet (one already stored is left as it
    is); answers how many were stored."""
    return bulk.insert_from_stage("friendships", COLUMNS, STAGE, conflict="user_low, user_high")
