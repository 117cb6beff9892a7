"""What "identical totals" means in the exactly-once tests: every stored sum, by user too."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa


def snapshot(engine: sa.Engine) -> dict[str, Any]:
    """Counts and sums of every table an import writes, plus per-user energy."""
    queries = {
        "events": "SELECT COUNT(*), COALESCE(SUM(credited_mg), 0), COALESCE(SUM(raw_mg), 0) "
        "FROM events",
        "statuses": "SELECT status, COUNT(*) FROM events GROUP BY status ORDER BY status",
        "awards": "SELECT COUNT(*), COALESCE(SUM(avoided_mg), 0), COALESCE(SUM(energy_g), 0) "
        "FROM awards",
        "balls": "SELECT COUNT(*), COALESCE(SUM(energy_g), 0) FROM awards WHERE energy_g > 0",
        "cap_usage": "SELECT COUNT(*), COALESCE(SUM(counted), 0), COALESCE(SUM(credited_mg), 0) "
        "FROM cap_usage",
        "per_user": "SELECT user_id, SUM(energy_g) FROM awards GROUP BY user_id ORDER BY user_id",
        "quarantine": "SELECT code, COUNT(*) FROM quarantine GROUP BY code ORDER BY code",
    }
    with engine.connect() as conn:
        return {
            name: [tuple(row) for row in conn.execute(sa.text(sql))]
            for name, sql in queries.items()
        }
