"""``saxaul participants set-password``: from an option or a hidden, confirmed prompt."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from saxaul.cli import app
from saxaul.domain.errors import Unauthorised
from saxaul.services.participant_auth import login
from saxaul.services.runtime import Runtime

runner = CliRunner()


def test_set_password_from_the_option(rt: Runtime) -> None:
    result = runner.invoke(
        app, ["participants", "set-password", "p0000001", "--password", "correct horse"]
    )

    assert result.exit_code == 0, result.output
    assert login(rt, "p0000001", "correct horse").user_id == "p0000001"


def test_set_password_prompts_hidden_and_asks_twice(rt: Runtime) -> None:
    result = runner.invoke(
        app, ["participants", "set-password", "p0000001"], input="correct horse\ncorrect horse\n"
    )

    assert result.exit_code == 0, result.output
    assert "correct horse" not in result.output
    assert login(rt, "p0000001", "correct horse").user_id == "p0000001"


def test_a_short_password_is_refused_and_nothing_is_set(rt: Runtime) -> None:
    result = runner.invoke(app, ["participants", "set-password", "p0000001", "--password", "short"])

    assert result.exit_code == 2
    assert "input_rejected" in result.output and "8 to 256 characters" in result.output
    with pytest.raises(Unauthorised):
        login(rt, "p0000001", "short")


def test_an_unknown_participant_is_refused(rt: Runtime) -> None:
    result = runner.invoke(
        app, ["participants", "set-password", "nobody", "--password", "correct horse"]
    )

    assert result.exit_code == 2
    assert "not_found" in result.output
