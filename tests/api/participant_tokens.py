"""Headers carrying a participant token, for the tests of participant routes."""

from __future__ import annotations

from saxaul.services.participant_auth import issue_token
from saxaul.services.runtime import Runtime


def participant_headers(rt: Runtime, user_id: str) -> dict[str, str]:
    """A fresh 12-hour token of ``user_id`` (who must be enrolled), as request headers."""
    return {"Authorization": f"Bearer {issue_token(rt, user_id).token}"}
