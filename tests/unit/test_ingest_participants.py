"""Participant files: consent scopes, demographics, bad rows and in-chunk repeats."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from saxaul.domain.errors import InputRejected
from saxaul.domain.events import RejectCode
from saxaul.ingest import PARTICIPANT_SCHEMA, ParticipantChunk, iter_participant_chunks

HEADER = "user_id,enrolled_at,consent,gender,birth_year,province\n"
WHEN = "2026-01-05T09:00:00+08:00"


def load(tmp_path: Path, body: str, name: str = "people.csv") -> ParticipantChunk:
    path = tmp_path / name
    path.write_text(body)
    (chunk,) = iter_participant_chunks(path)
    return chunk


def test_happy_path(tmp_path: Path) -> None:
    chunk = load(
        tmp_path,
        HEADER
        + f"u1,{WHEN},true,F,1990,Gansu\n"
        + f"u2,{WHEN},reports,,,\n"
        + f'u3,{WHEN},"Scoring; reports",Male,2001,\n'
        + f"u4,{WHEN},false,unknown,,\n"
        + f"u5,{WHEN},,other,,\n",
    )
    assert chunk.rejected == []
    assert chunk.accepted.schema == PARTICIPANT_SCHEMA
    assert chunk.accepted.rows() == [
        (
            2,
            "u1",
            dt.datetime(2026, 1, 5, 1, tzinfo=dt.UTC),
            "reports;scoring",
            "female",
            1990,
            "Gansu",
        ),
        (3, "u2", dt.datetime(2026, 1, 5, 1, tzinfo=dt.UTC), "reports", None, None, None),
        (4, "u3", dt.datetime(2026, 1, 5, 1, tzinfo=dt.UTC), "reports;scoring", "male", 2001, None),
        (5, "u4", dt.datetime(2026, 1, 5, 1, tzinfo=dt.UTC), "", "unknown", None, None),
        (6, "u5", dt.datetime(2026, 1, 5, 1, tzinfo=dt.UTC), "", "other", None, None),
    ]


@pytest.mark.parametrize(
    ("row", "code", "field"),
    [
        (f",{WHEN},true,,,", RejectCode.MISSING_FIELD, "user_id"),
        ("u1,2026-01-05 09:00,true,,,", RejectCode.INVALID_TIMESTAMP, "enrolled_at"),
        (f"u1,{WHEN},yes,,,", RejectCode.INVALID_VALUE, "consent"),
        (f"u1,{WHEN},scoring;marketing,,,", RejectCode.INVALID_VALUE, "consent"),
        (f"u1,{WHEN},true,x,,", RejectCode.INVALID_VALUE, "gender"),
        (f"u1,{WHEN},true,,1899,", RejectCode.INVALID_VALUE, "birth_year"),
        (f"u1,{WHEN},true,,2027,", RejectCode.INVALID_VALUE, "birth_year"),
        (f"u1,{WHEN},true,,nineteen,", RejectCode.INVALID_VALUE, "birth_year"),
        (f"u1,{WHEN},true,,,{'p' * 65}", RejectCode.INVALID_VALUE, "province"),
        (f"u1,{WHEN},true", RejectCode.MALFORMED_ROW, None),
    ],
)
def test_bad_rows(tmp_path: Path, row: str, code: RejectCode, field: str | None) -> None:
    chunk = load(tmp_path, HEADER + row + "\n" + f"ok,{WHEN},true,,,\n")
    assert chunk.accepted["user_id"].to_list() == ["ok"]
    (rejection,) = chunk.rejected
    assert (rejection.line, rejection.code, rejection.field) == (2, code, field)


def test_repeated_users_in_a_chunk(tmp_path: Path) -> None:
    chunk = load(
        tmp_path,
        HEADER + f"u1,{WHEN},true,,,\n" + f"u1,{WHEN},true,,,\n" + f"u1,{WHEN},false,,,\n",
    )
    assert chunk.accepted["line"].to_list() == [2]
    assert chunk.duplicates_in_chunk == 1
    (conflict,) = chunk.rejected
    assert (conflict.line, conflict.code) == (4, RejectCode.DUPLICATE_IN_BATCH)
    assert chunk.rows_read == 3


def test_ndjson_with_boolean_and_list_consent(tmp_path: Path) -> None:
    lines = [
        {"user_id": "u1", "enrolled_at": WHEN, "consent": True, "birth_year": 1980},
        {"user_id": "u2", "enrolled_at": WHEN, "consent": ["scoring"]},
        {"user_id": "u3", "enrolled_at": WHEN, "consent": []},
        {"user_id": "u4", "enrolled_at": WHEN, "consent": ["sharing"]},
    ]
    chunk = load(tmp_path, "\n".join(json.dumps(x) for x in lines), "people.ndjson")
    assert chunk.accepted.select("user_id", "consent_scopes", "birth_year").rows() == [
        ("u1", "reports;scoring", 1980),
        ("u2", "scoring", None),
        ("u3", "", None),
    ]
    assert [(r.line, r.field) for r in chunk.rejected] == [(4, "consent")]


def test_required_columns(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("user_id,consent\nu1,true\n")
    with pytest.raises(InputRejected):
        list(iter_participant_chunks(path))
