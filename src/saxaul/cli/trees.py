"""``saxaul trees allocate``: give waiting trees a project once one has room (``saxaul trees
pipeline``, where each promised tree stands, is ``cli.orders``'s).

Why a command as well as the scheduled job: with ``SAXAUL_TREE_WAITING_LIST=true`` a tree no
project had room for waits; after a partner raises its capacity or opens a project, an
operator can place the waiting trees at once instead of waiting for the next tick (the job and
the command are the same service function, safe to run together).
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console

from saxaul.bootstrap import bootstrap
from saxaul.config import Settings
from saxaul.services.projects import allocate_waiting

trees_app = typer.Typer(
    help="Promised trees: where each stands, and the projects that owe them.", no_args_is_help=True
)


@trees_app.command("allocate")
def trees_allocate(
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Give waiting trees, oldest first, the fairest project of their species with room."""
    rt = bootstrap(Settings())
    try:
        placed = allocate_waiting(rt)
    finally:
        rt.db.dispose()
    if as_json:
        sys.stdout.write(json.dumps({"allocated": placed}) + "\n")
    else:
        Console().print(f"allocated {placed:,} waiting trees to projects")
