"""``saxaul apikey create --role`` / ``apikey list`` and ``saxaul audit list``."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from saxaul.cli import app
from saxaul.domain.operators import OperatorRole, Permission
from saxaul.services.api_keys import authenticate
from saxaul.services.operator_audit import OperatorAct
from saxaul.services.participant_record import participant_record
from saxaul.services.runtime import Runtime

runner = CliRunner()


def _secret(args: list[str]) -> str:
    result = runner.invoke(app, ["apikey", "create", *args])
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def test_a_key_gets_the_role_asked_for_and_admin_by_default(rt: Runtime) -> None:
    support = _secret(["helpdesk", "--role", "support"])
    first = _secret(["first"])

    assert authenticate(rt, support).role == OperatorRole.SUPPORT
    assert authenticate(rt, first).role == OperatorRole.ADMIN
    listed = runner.invoke(app, ["apikey", "list", "--json"])
    assert [(k["name"], k["role"]) for k in json.loads(listed.stdout)] == [
        ("helpdesk", "support"),
        ("first", "admin"),
    ]
    assert support not in listed.stdout and first not in listed.stdout


def test_an_unknown_role_is_refused_and_no_key_is_made(rt: Runtime) -> None:
    result = runner.invoke(app, ["apikey", "create", "x", "--role", "root"])

    assert result.exit_code == 2
    assert "unknown_role" in result.output and "support" in result.output
    assert json.loads(runner.invoke(app, ["apikey", "list", "--json"]).stdout) == []


def test_audit_list_shows_who_read_whom(rt: Runtime) -> None:
    secret = _secret(["helpdesk", "--role", "support"])
    key = authenticate(rt, secret)
    act = OperatorAct(
        key.key_id,
        key.name,
        key.role,
        Permission.PARTICIPANTS_READ,
        "GET",
        "/v1/participants/{user_id}",
    )
    participant_record(rt, "p0000001", act)

    listed = runner.invoke(app, ["audit", "list", "--user-id", "p0000001", "--json"])
    shown = runner.invoke(app, ["audit", "list"])

    assert listed.exit_code == 0 and shown.exit_code == 0, listed.output + shown.output
    (entry,) = json.loads(listed.stdout)["items"]
    assert (entry["key_name"], entry["role"], entry["user_id"]) == (
        "helpdesk",
        "support",
        "p0000001",
    )
    assert "participants.read" in shown.stdout and "1 of 1 entries" in shown.stdout
    assert (
        json.loads(runner.invoke(app, ["audit", "list", "--user-id", "x", "--json"]).stdout)[
            "total"
        ]
        == 0
    )
