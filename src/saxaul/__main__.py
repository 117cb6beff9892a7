"""``python -m saxaul`` runs the CLI (used by the crash tests to get a killable process)."""

from saxaul.cli import app

app()
