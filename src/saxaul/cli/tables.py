"""Tables that read well in a terminal of any width and as plain text in a pipe.

Why two forms: Rich sizes a boxed table to the terminal, and when stdout is a pipe or a file it
assumes 80 columns, so ``saxaul report > report.txt`` came out as boxes full of ellipses. When
stdout is not a terminal a table is printed as plain aligned columns instead, one row per line
and nothing cut (``--json`` is there for programs); in a terminal the commands choose columns
that fit 80 characters.

Example (piped)::

    behaviour  pack                   events
    walking    ant-forest-2017@1.0.0   2,000
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.console import Console

GAP = "  "


def print_plain(
    console: Console,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    numeric: Sequence[bool] = (),
) -> None:
    """Aligned columns with a header line, numbers right-aligned; no box, no wrapping."""
    right = [*numeric, *([False] * (len(headers) - len(numeric)))]
    widths = [max([cell_len(h), *(cell_len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    for row in (headers, *rows):
        cells = [
            " " * (w - cell_len(c)) + c if r else c + " " * (w - cell_len(c))
            for c, w, r in zip(row, widths, right, strict=True)
        ]
        print_line(console, GAP.join(cells).rstrip())


def print_line(console: Console, text: str) -> None:
    """One line as it is: no markup, no highlighting, no wrapping at the console's width."""
    console.print(text, markup=False, highlight=False, soft_wrap=True)
