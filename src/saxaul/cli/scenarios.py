"""``saxaul scenarios list|approve|reject``: the operators' review of business green scenarios.

The same use cases as ``/v1/operator/scenarios`` (``services.scenarios``): an approval
registers the scenario as the next version of ``scenario-<partner id>`` with a budget and
records the ``scenario.approved`` webhook event; a rejection records ``scenario.rejected``.

Example: ``saxaul scenarios list --status submitted`` then
``saxaul scenarios approve scn_0123456789abcdef --budget-g 50000 --note "pilot, 3 months"``.
"""

from __future__ import annotations

import dataclasses
import getpass
import json
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from saxaul.cli.common import fail as _fail
from saxaul.cli.common import runtime as _runtime
from saxaul.domain.errors import DomainError
from saxaul.domain.scenarios import BUDGET_MAX_G, ScenarioStatus
from saxaul.services import scenarios
from saxaul.services.scenarios import Scenario

scenarios_app = typer.Typer(
    help="Business green scenarios: list, approve with a budget, reject.", no_args_is_help=True
)
console = Console()
err = Console(stderr=True)


def _operator() -> str:
    """Who decided, as recorded on the scenario."""
    return f"cli:{getpass.getuser()}"


def _show(scenario: Scenario, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(dataclasses.asdict(scenario), ensure_ascii=False) + "\n")
        return
    version = scenario.pack_version or "-"
    console.print(
        f"{scenario.id} {scenario.status.value} {scenario.pack_id}@{version} "
        f"budget {scenario.budget_g or '-'} g"
    )


@scenarios_app.command("list")
def list_scenarios(
    status: Annotated[
        ScenarioStatus | None, typer.Option(help="Only scenarios in this status.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Every partner's scenarios, newest first (``--status submitted``: the review queue)."""
    found = scenarios.for_review(_runtime(), status)
    if as_json:
        rows = [dataclasses.asdict(s) for s in found]
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table("id", "partner", "title", "status", "pack", "budget g", "sandbox energy g")
    for s in found:
        sandbox = "-" if s.sandbox_result is None else str(s.sandbox_result["energy_g"])
        table.add_row(
            s.id,
            s.partner_id,
            escape(s.title),
            s.status.value,
            f"{s.pack_id}@{s.pack_version or '-'}",
            str(s.budget_g or "-"),
            sandbox,
        )
    console.print(table)


@scenarios_app.command("approve")
def approve(
    scenario_id: str,
    budget_g: Annotated[
        int, typer.Option("--budget-g", min=1, max=BUDGET_MAX_G, help="Energy allowed, grams.")
    ],
    note: Annotated[str | None, typer.Option(help="Why, for the partner.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Approve a submitted scenario: register its pack version and set its budget."""
    try:
        decided = scenarios.approve(
            _runtime(), scenario_id, budget_g=budget_g, note=note, by=_operator()
        )
    except DomainError as exc:
        _fail(exc)
        return
    _show(decided, as_json)


@scenarios_app.command("reject")
def reject(
    scenario_id: str,
    note: Annotated[str, typer.Option(help="What the partner should change.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Reject a submitted scenario with a note; its partner may revise and resubmit it."""
    try:
        decided = scenarios.reject(_runtime(), scenario_id, note=note, by=_operator())
    except DomainError as exc:
        _fail(exc)
        return
    _show(decided, as_json)
