"""``python -m bench.http_game [options]``: ``saxaul bench http`` from the repository root.

A thin wrapper so developers run every benchmark the same way (``python -m bench.…``); the
load test itself is shipped in the package (``saxaul.loadtest.http_game``), where the installed
``saxaul`` command finds it. Options: ``saxaul bench http --help``.
"""

from __future__ import annotations

import sys

from saxaul.cli import app

if __name__ == "__main__":
    app(["bench", "http", *sys.argv[1:]], prog_name="python -m bench.http_game")
