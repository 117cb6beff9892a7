"""A scenario's sandbox: its draft pack scored over historical events, in memory only.

Why the same reader and kernel as live imports: what the sandbox shows is what the scenario
would credit — the same row checks, in-body deduplication, caps and rules — so a reviewer can
read the cost of approving it. Why nothing is stored but the answer: the events are the
business's own history, any user ids, never the programme's participants; every user counts
as consented, so the figures are an upper bound of what live events would earn.

Example: three cup refills by two users on one day (one refused: an unknown behaviour) →
``{"events": 2, "scored": 2, "refused": {"unknown_behaviour": 1}, "energy_g": 60,
"participants": 2, "per_day": [{"date": "2026-03-02", ...}], ...}``, saved on the scenario as
``sandbox_result``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import polars as pl

from saxaul.domain.errors import Conflict
from saxaul.domain.events import EventStatus
from saxaul.domain.methodology import Pack
from saxaul.domain.partners import PartnerPrincipal
from saxaul.domain.scenarios import DRAFT_VERSION, ScenarioStatus
from saxaul.domain.units import MG_PER_G
from saxaul.ingest.events import EventChunk, parse_event_body
from saxaul.scoring.kernel import empty_prior, score
from saxaul.scoring.table import PARTICIPANTS_SCHEMA, BehaviourTable
from saxaul.services.event_chunks import numbered
from saxaul.services.imports import sample_rejections
from saxaul.services.runtime import Runtime
from saxaul.services.scenario_packs import scenario_pack
from saxaul.services.scenarios import in_status, own, proposer
from saxaul.store import scenarios_repo
from saxaul.store.uow import WriteUnitOfWork

ALWAYS = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
"""The consent every sandbox user is given: before any event."""
DRAFTS = frozenset({ScenarioStatus.DRAFT})


def outside(pack: Pack) -> Callable[[str], str]:
    """The reason a row naming a behaviour the scenario does not define is refused."""
    ids = ", ".join(b.id for b in pack.behaviours)

    def reason(behaviour_id: str) -> str:
        return (
            f"behaviour {behaviour_id!r} is not one of this scenario's behaviours ({ids}); "
            "this route takes only the scenario's events"
        )

    return reason


def run_sandbox(
    rt: Runtime,
    principal: PartnerPrincipal,
    scenario_id: str,
    body: bytes,
    content_type: str,
    *,
    max_rows: int,
) -> dict[str, Any]:
    """Score ``body``'s events under the draft, save the answer on the scenario, return it."""
    proposer(principal)
    with rt.db.reading() as conn:
        row = own(conn, principal, scenario_id)
    in_status(row, DRAFTS, "run in the sandbox")
    pack = scenario_pack(row.partner_id, json.loads(row.fragment), DRAFT_VERSION)
    table = BehaviourTable.from_packs([pack])
    chunk = parse_event_body(
        body,
        content_type,
        known_behaviours=table.behaviour_ids,
        refusal=outside(pack),
        max_rows=max_rows,
    )
    result = sandbox_result(table, chunk)

    def work(conn: WriteUnitOfWork) -> None:
        now = own(conn, principal, scenario_id, lock=True)
        if now.fragment != row.fragment or now.status != row.status:
            raise Conflict(
                f"scenario {scenario_id} changed during the sandbox run; run it again",
                code="scenario_state",
                status=now.status,
            )
        scenarios_repo.update_scenario(conn, scenario_id, sandbox_result=json.dumps(result))

    rt.db.write(work)
    return result


def sandbox_result(table: BehaviourTable, chunk: EventChunk) -> dict[str, Any]:
    """What the chunk's events would earn, with every user consented and no prior usage."""
    events = numbered(chunk).events
    users = events["user_id"].unique().sort()
    participants = pl.DataFrame(
        {"user_id": users, "consent_at": [ALWAYS] * users.len(), "withdrawn_at": None},
        schema=PARTICIPANTS_SCHEMA,
    )
    scored = score(events, participants, empty_prior(), table)
    outcomes = events.select("row", "user_id", "behaviour").join(scored.events, on="row")
    awards = scored.awards.with_columns(energy_g=pl.col("avoided_mg") // MG_PER_G)
    refused: dict[str, int] = {}
    for rejection in chunk.rejected:
        refused[str(rejection.code)] = refused.get(str(rejection.code), 0) + 1
    for status, count in outcomes["status"].value_counts().iter_rows():
        if status != str(EventStatus.SCORED):
            refused[str(status)] = int(count)
    is_scored = pl.col("status") == str(EventStatus.SCORED)
    rejections: list[dict[str, object]] = []
    sample_rejections(rejections, chunk.rejected, chunk.location)
    avoided_mg = int(awards["avoided_mg"].sum())
    return {
        "rows": chunk.rows_read,
        "events": events.height,
        "duplicates": chunk.duplicates_in_chunk,
        "scored": int(outcomes.filter(is_scored).height),
        "capped": int(
            outcomes.filter(is_scored & (pl.col("credited_mg") < pl.col("raw_mg"))).height
        ),
        "refused": dict(sorted(refused.items())),
        "avoided_g": avoided_mg / MG_PER_G,
        "energy_g": int(awards["energy_g"].sum()),
        "participants": int(awards.filter(pl.col("energy_g") > 0)["user_id"].n_unique()),
        "per_day": _breakdown(outcomes, awards, "day"),
        "per_behaviour": _breakdown(outcomes, awards, "behaviour"),
        "rejections": rejections,
    }


def _breakdown(outcomes: pl.DataFrame, awards: pl.DataFrame, key: str) -> list[dict[str, Any]]:
    """Events, scored events, avoided grams and energy per ``key`` (``day`` or ``behaviour``)."""
    counted = outcomes.group_by(key).agg(
        pl.len().alias("events"),
        (pl.col("status") == str(EventStatus.SCORED)).sum().alias("scored"),
    )
    earned = awards.group_by(key).agg(pl.col("avoided_mg").sum(), pl.col("energy_g").sum())
    rows = counted.join(earned, on=key, how="left").sort(key).iter_rows(named=True)
    return [
        {
            ("date" if key == "day" else key): (
                dt.date.fromordinal(row[key]).isoformat() if key == "day" else row[key]
            ),
            "events": int(row["events"]),
            "scored": int(row["scored"]),
            "avoided_g": (row["avoided_mg"] or 0) / MG_PER_G,
            "energy_g": int(row["energy_g"] or 0),
        }
        for row in rows
    ]
