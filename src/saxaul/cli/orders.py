"""``saxaul orders create`` and ``saxaul trees pipeline``: planting orders and promised trees.

``orders create`` is what the server's scheduled job does (``saxaul.jobs``), for cron or by
hand; ``trees pipeline`` prints every promised tree by status, by project and species, with the
estimated sink and its method (a table, or the API's JSON shape with ``--json``).
"""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from saxaul.api.schemas.orders import PipelineOut
from saxaul.cli.common import JsonOpt, print_json, runtime
from saxaul.cli.trees import trees_app
from saxaul.services.orders import create_orders
from saxaul.services.pipeline import Counts, Pipeline, liability_summary

orders_app = typer.Typer(
    help="Planting orders: owed trees batched per project.", no_args_is_help=True
)
COLUMNS = ("waiting", "owed", "ordered", "planted", "alive", "lost", "replaced")


@orders_app.command("create")
def orders_create(as_json: JsonOpt = False) -> None:
    """Batch every project's owed, promised trees into one proposed order (safe to run again:
    a project with an order awaiting its answer gets no second one)."""
    made = create_orders(runtime())
    if as_json:
        print_json({"orders": made.orders, "trees": made.trees})
    else:
        Console().print(f"made {made.orders:,} planting orders of {made.trees:,} trees")


@trees_app.command("pipeline")
def trees_pipeline(as_json: JsonOpt = False) -> None:
    """Trees owed, ordered, planted, verified alive, lost and replaced, with the sink estimate."""
    pipeline = liability_summary(runtime())
    if as_json:
        print_json(PipelineOut.of(pipeline).model_dump(mode="json"))
    else:
        print_pipeline(Console(), pipeline)


def print_pipeline(console: Console, pipeline: Pipeline) -> None:
    """The pipeline as a table by project and species, a total row, and the sink."""
    table = Table(title="Promised trees", show_footer=True)
    table.add_column("project", footer="total")
    table.add_column("species")
    for name in (*COLUMNS, "total"):
        table.add_column(name, justify="right", footer=f"{_count(pipeline.total, name):,}")
    for line in sorted(pipeline.projects, key=lambda p: (p.project_id or "", p.species_id)):
        table.add_row(
            line.project_id or "(waiting list)",
            line.species_id,
            *(f"{_count(line.counts, name):,}" for name in (*COLUMNS, "total")),
        )
    console.print(table)
    sink = pipeline.sink
    console.print(f"estimated sink: [bold]{sink.kg_co2} kg CO2[/]")
    for species in sink.species:
        console.print(
            f"  {species.species_id}: {species.kg_co2} kg = " + " + ".join(species.method)
        )
    if sink.not_counted:
        console.print(f"  not counted (no stated sink): {', '.join(sink.not_counted)}")
    console.print(f"[dim]method: {sink.method}[/]")


def _count(counts: Counts, name: str) -> int:
    value: int = counts.total if name == "total" else getattr(counts, name)
    return value
