"""What every ``saxaul`` command shares: the runtime, how a refusal is printed, JSON output.

Why a module of its own: the subcommand modules (``cli.partners``, ``cli.scenarios`` …) are
imported by ``cli/__init__``, so they cannot import these from it; one home keeps every
command's refusals and exit codes alike (``[code] detail`` on stderr, exit 2).

Example: ``rt = runtime()``; ``fail(exc)`` on a ``DomainError``; ``print_json({...})``.
"""

from __future__ import annotations

import atexit
import json
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from saxaul.bootstrap import bootstrap
from saxaul.config import Settings
from saxaul.domain.errors import DomainError
from saxaul.services.runtime import Runtime

err = Console(stderr=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def runtime() -> Runtime:
    """The runtime the settings describe, closed when the interpreter exits."""
    try:
        rt = bootstrap(Settings())
    except DomainError as exc:
        fail(exc)
    atexit.register(rt.db.dispose)  # close pooled connections before the interpreter exits
    return rt


def fail(exc: DomainError) -> NoReturn:
    """Print the refusal as ``[code] detail`` (and its fields) and exit with status 2."""
    err.print(f"[bold red]error[/] {escape(f'[{exc.code}]')} {escape(exc.detail)}")
    if exc.fields:
        err.print(f"  {exc.fields}")
    raise typer.Exit(code=2)


def print_json(data: Any) -> None:
    """``data`` as indented JSON on stdout (dates and other values as strings)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def key_text(value: str) -> str:
    """A pinned public key as given: the text itself, or the content of the file it names."""
    path = Path(value)
    if len(value) < 4096 and path.is_file():
        return path.read_text()
    return value
