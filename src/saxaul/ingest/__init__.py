"""Readers that turn files and HTTP bodies into validated Polars frames plus rejections.

Batches in, ``(accepted, rejected)`` out: a bad row becomes a ``Rejection`` with its line, a
stable code and a reason, and never stops its neighbours. Only a file or body that cannot be
read at all raises ``InputRejected``. See README.md for formats, limits and speed. Example::

    for chunk in iter_event_chunks(Path("day1.csv"), known_behaviours=ids, skip_rows=cursor):
        store(chunk.accepted); quarantine(chunk.rejected); cursor = chunk.end_row
"""

from saxaul.ingest.columns import EVENT_SCHEMA, PARTICIPANT_SCHEMA, Location
from saxaul.ingest.events import EventChunk, iter_event_chunks, parse_event_body
from saxaul.ingest.formats import Format, detect_format, file_sha256
from saxaul.ingest.participants import ParticipantChunk, iter_participant_chunks

__all__ = [
    "EVENT_SCHEMA",
    "PARTICIPANT_SCHEMA",
    "EventChunk",
    "Format",
    "Location",
    "ParticipantChunk",
    "detect_format",
    "file_sha256",
    "iter_event_chunks",
    "iter_participant_chunks",
    "parse_event_body",
]
