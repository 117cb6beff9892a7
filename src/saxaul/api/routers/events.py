"""``POST /v1/events``: bulk event intake over HTTP, exactly once, row by row.

A bad row never fails the request: it is quarantined and listed with its place and reason,
while the good rows are imported. Only a body that cannot be read at all (not JSON, not an
array, too many rows, nested past the limit) is refused whole, as 422 ``input_rejected``; the
same body while it is still being imported is 409 ``conflict`` (send it again shortly).

Example: posting ``[{…good…}, {…occurred_at without offset…}]`` answers 200 with
``new_events: 1, rejected: 1`` and ``rejections: [{"index": 1, "code": "invalid_timestamp", …}]``;
posting the same body again answers ``new_events: 0, duplicates: 1``.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter

from saxaul.api.deps import (
    JSON_ARRAY,
    NDJSON_TYPES,
    EventCountersDep,
    RuntimeDep,
    SettingsDep,
    UploadDep,
    require_operator,
)
from saxaul.api.problems import problem_responses
from saxaul.api.schemas.events import EventIn, ImportResult
from saxaul.domain.operators import Permission
from saxaul.services.imports import import_event_body
from saxaul.services.operator_audit import OperatorAct

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/events", tags=["events"])

_EVENT_SCHEMA = EventIn.model_json_schema()
_REQUEST_BODY = {
    "required": True,
    "description": "Events as a JSON array, or as NDJSON: one event object per line, each line "
    "described by the schema below.",
    "content": {
        JSON_ARRAY: {"schema": {"type": "array", "items": _EVENT_SCHEMA}},
        **{ndjson: {"schema": _EVENT_SCHEMA} for ndjson in NDJSON_TYPES},
    },
}


@router.post(
    "",
    summary="Import a batch of behaviour events",
    response_model=ImportResult,
    openapi_extra={"requestBody": _REQUEST_BODY},
    responses=problem_responses(
        "unauthorised", "request_too_large", "unsupported_media_type", "input_rejected", "conflict"
    ),
)
def post_events(
    operator: Annotated[OperatorAct, require_operator(Permission.EVENTS_IMPORT)],
    upload: UploadDep,
    rt: RuntimeDep,
    settings: SettingsDep,
    counters: EventCountersDep,
) -> ImportResult:
    """Validate, deduplicate, score and store the events; re-sending any of them is harmless.

    The response counts every row; `rejections` lists the first few refused rows, and
    `GET /v1/quarantine?import_id=…` lists them all.
    """
    summary = import_event_body(rt, upload.body, upload.media_type, max_rows=settings.http_max_rows)
    counters.observe(summary)
    logger.info(
        "events imported by key %s: import %d, %d new, %d duplicate, %d rejected",
        operator.key_name,
        summary.import_id,
        summary.new_events,
        summary.duplicates,
        summary.rejected,
    )
    return ImportResult.model_validate(summary)
