"""The ``saxaul`` command: serve, db, import(s), methodology, rescore, score, quarantine, energy,
demo, bench.

Every command builds the runtime with ``bootstrap`` and calls services; nothing here holds a
rule. Long work shows a progress bar; ``--json`` prints machine-readable output instead.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Column, Table

from saxaul.cli import demo as demo_job
from saxaul.cli.abuse import abuse_app
from saxaul.cli.archive import archive_app
from saxaul.cli.bench import bench_app
from saxaul.cli.certificates import certificate_app
from saxaul.cli.common import fail as _fail
from saxaul.cli.common import print_json as _print_json
from saxaul.cli.common import runtime as _runtime
from saxaul.cli.impact import ImpactLang, ReportFormat, write_impact
from saxaul.cli.operators import apikey_app, audit_app
from saxaul.cli.orders import orders_app
from saxaul.cli.partitions import partitions_app
from saxaul.cli.partners import partners_app
from saxaul.cli.privacy import participants_erase, retention_app
from saxaul.cli.render import import_progress, print_import, print_packs, print_summary
from saxaul.cli.render_reversals import print_reversals
from saxaul.cli.scenarios import scenarios_app
from saxaul.cli.scoring import score as score_command
from saxaul.cli.simulate_pilot import run_pilot
from saxaul.cli.statements import statement_app
from saxaul.cli.streams import events_app, ingest_app
from saxaul.cli.trees import trees_app
from saxaul.cli.webhooks import webhooks_app
from saxaul.config import Settings
from saxaul.domain.errors import DomainError
from saxaul.methodology import pack_to_dict
from saxaul.services import (
    import_runs,
    imports,
    methodology,
    participant_auth,
    participants,
    quarantine,
    reporting,
    reversals,
)
from saxaul.sim.pilot_scenario import DEFAULT as DEFAULT_SCENARIO
from saxaul.sim.scenario import write_scenario

app = typer.Typer(
    help="Saxaul: personal carbon accounts (个人碳账户) — score, credit, report.",
    no_args_is_help=True,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
methodology_app = typer.Typer(help="Methodology packs: list, show, verify.", no_args_is_help=True)
imports_app = typer.Typer(
    help="Imports: what ran, what is running, what failed and why.", no_args_is_help=True
)
quarantine_app = typer.Typer(
    help="Rows refused at import, kept for inspection.", no_args_is_help=True
)
participants_app = typer.Typer(help="Participants, consent and passwords.", no_args_is_help=True)
reversals_app = typer.Typer(
    help="Refunds and chargebacks: take back the energy of reversed payments.",
    no_args_is_help=True,
)
app.add_typer(db_app, name="db")
app.add_typer(methodology_app, name="methodology")
app.add_typer(imports_app, name="imports")
app.add_typer(quarantine_app, name="quarantine")
app.add_typer(participants_app, name="participants")
app.add_typer(apikey_app, name="apikey")
app.add_typer(audit_app, name="audit")
app.add_typer(reversals_app, name="reversals")
app.add_typer(bench_app, name="bench")
app.add_typer(scenarios_app, name="scenarios")
app.add_typer(partners_app, name="partners")
app.add_typer(certificate_app, name="certificate")
app.add_typer(statement_app, name="statement")
app.add_typer(orders_app, name="orders")
app.add_typer(trees_app, name="trees")
app.add_typer(archive_app, name="archive")
app.add_typer(partitions_app, name="partitions")
app.add_typer(abuse_app, name="abuse")
app.add_typer(retention_app, name="retention")
app.add_typer(ingest_app, name="ingest")
app.add_typer(events_app, name="events")
participants_app.command("erase")(participants_erase)
app.command("score")(score_command)

console = Console()
err = Console(stderr=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


app.add_typer(webhooks_app(_runtime), name="webhooks")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database named by SAXAUL_DATABASE_URL."""
    _runtime()
    console.print("database is at the latest schema")


@app.command("import")
def import_(
    paths: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, help="Files.")],
    kind: Annotated[
        str, typer.Option(help="events | participants | auto (by the file's columns)")
    ] = "auto",
    as_json: JsonOpt = False,
) -> None:
    """Import events or participants from CSV, NDJSON, JSON or Parquet files, exactly once."""
    rt = _runtime()
    results: list[dict[str, Any]] = []
    for path in paths:
        file_kind = imports.file_kind(path) if kind == "auto" else kind
        with import_progress(err, path.name, imports.file_rows(path)) as advance:
            try:
                if file_kind == "participants":
                    result: Any = participants.import_participants(
                        rt, path, progress=advance, claimed=advance.claimed
                    )
                else:
                    result = imports.import_events(
                        rt, path, progress=advance, claimed=advance.claimed
                    )
            except DomainError as exc:
                _fail(exc)
        results.append({"kind": file_kind, **dataclasses.asdict(result)})
        if not as_json:
            print_import(console, file_kind, result)
    if as_json:
        _print_json(results if len(results) > 1 else results[0])


@imports_app.command("list")
def imports_list(
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    as_json: JsonOpt = False,
) -> None:
    """The latest imports: status (running, done, failed), rows committed and why one failed."""
    rows = import_runs.list_imports(_runtime(), limit=limit)
    if as_json:
        _print_json([dataclasses.asdict(r) for r in rows])
        return
    table = Table("import", "kind", "name", "status", "rows", "owner or error")
    for r in rows:
        status = {"failed": "[red]failed[/]", "running": "[yellow]running[/]"}.get(r.status)
        table.add_row(
            str(r.id),
            r.kind,
            escape(r.name),
            status or r.status,
            f"{r.rows_committed:,}",
            escape(r.error or r.owner or ""),
        )
    console.print(table)
    if any(r.status != "done" for r in rows):
        console.print("run `saxaul import FILE` again to resume or re-run an import")


@methodology_app.command("list")
def methodology_list(as_json: JsonOpt = False) -> None:
    """Shipped packs (id@version), their size and whether the programme uses them."""
    rows = methodology.list_packs(methodology.active_packs(Settings().packs))
    if as_json:
        _print_json([dataclasses.asdict(r) for r in rows])
        return
    print_packs(console, rows)


@methodology_app.command("show")
def methodology_show(
    ref: Annotated[str, typer.Argument(help="id, id@version or a pack.toml path")],
    as_json: JsonOpt = False,
) -> None:
    """A pack whole: behaviours, factors with sources, caps, test vectors."""
    try:
        pack = methodology.resolve_pack(ref)
    except DomainError as exc:
        _fail(exc)
        return
    document = pack_to_dict(pack)
    if as_json:
        _print_json(document)
        return
    console.print(f"[bold]{pack.ref}[/] — {pack.title}")
    console.print(pack.summary)
    table = Table("behaviour", "名称", "formula", "factors", "caps")
    for b in document["behaviours"]:
        table.add_row(
            b["id"],
            b["name_zh"],
            b["formula"],
            ", ".join(b["factors"]),
            json.dumps(b.get("caps", {}), ensure_ascii=False),
        )
    console.print(table)


@methodology_app.command("verify")
def methodology_verify(
    ref: Annotated[str | None, typer.Argument(help="one pack; default all shipped")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Run every test vector through the reference scorer and the kernel; fail on a mismatch."""
    try:
        packs = methodology.packs_to_verify(ref)
    except DomainError as exc:
        _fail(exc)
        return
    outcomes = methodology.verify_packs(packs)
    failed = [o for o in outcomes if not o.ok]
    if as_json:
        _print_json([dataclasses.asdict(o) for o in outcomes])
    else:
        table = Table(
            Column("pack", no_wrap=True), "vector", "behaviour", "expected g", "reference g"
        )
        table.add_column("kernel g")
        table.add_column("")
        for o in outcomes:
            table.add_row(
                o.pack,
                o.vector_id,
                o.behaviour,
                str(o.expected_g),
                str(o.reference_g),
                str(o.kernel_g),
                "[green]ok[/]" if o.ok else "[bold red]MISMATCH[/]",
            )
        console.print(table)
        console.print(f"{len(outcomes) - len(failed)}/{len(outcomes)} vectors agree")
    if failed:
        err.print(f"[bold red]{len(failed)} vector(s) failed[/]")
        raise typer.Exit(code=1)


@app.command("rescore")
def rescore(
    pack: Annotated[str, typer.Option("--pack", help="candidate id@version or pack.toml")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="preview only (required)")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Show what a new pack version would change for the events already stored."""
    if not dry_run:
        err.print(
            "only --dry-run is available: applying a new version is done by "
            "compensating ledger entries, not by editing awards"
        )
        raise typer.Exit(code=2)
    rt = _runtime()
    try:
        lines = methodology.rescore_dry_run(rt, pack)
    except DomainError as exc:
        _fail(exc)
        return
    if as_json:
        _print_json([dataclasses.asdict(line) | {"delta_mg": line.delta_mg} for line in lines])
        return
    table = Table("behaviour", "pack", "events", "stored g", "current g", "candidate g", "change g")
    for line in lines:
        table.add_row(
            line.behaviour,
            line.pack_ref,
            f"{line.events:,}",
            f"{line.stored_mg / 1000:,.1f}",
            f"{line.current_mg / 1000:,.1f}",
            f"{line.candidate_mg / 1000:,.1f}",
            f"{line.delta_mg / 1000:+,.1f}",
        )
    console.print(table)
    console.print("dry run: nothing was written")


@quarantine_app.command("list")
def quarantine_list(
    import_id: Annotated[int | None, typer.Option("--import", help="one import's rows")] = None,
    code: Annotated[str | None, typer.Option(help="only this rejection code")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    as_json: JsonOpt = False,
) -> None:
    """Refused rows with their import, line and reason."""
    rows, total = quarantine.list_quarantine(
        _runtime(), import_id=import_id, code=code, limit=limit
    )
    if as_json:
        _print_json({"total": total, "rows": [dataclasses.asdict(r) for r in rows]})
        return
    table = Table("import", "where", "code", "field", "reason")
    for r in rows:
        table.add_row(
            f"{r.import_id} {r.import_name}",
            f"{r.location} {r.line}",
            r.code,
            r.field or "",
            r.reason,
        )
    console.print(table)
    console.print(f"{len(rows)} of {total} quarantined rows")


@participants_app.command("opt-out")
def participants_opt_out(user_id: str) -> None:
    """Withdraw a participant's consent now; later events are kept but not scored."""
    try:
        participants.opt_out(_runtime(), user_id)
    except DomainError as exc:
        _fail(exc)
    console.print(f"{user_id} opted out")


@participants_app.command("set-password")
def participants_set_password(
    user_id: str,
    password: Annotated[
        str | None,
        typer.Option(help="the new password (8–256 characters); asked for, hidden, if absent"),
    ] = None,
) -> None:
    """Set a participant's password, for logging in with POST /v1/auth/login."""
    if password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        participant_auth.set_password(_runtime(), user_id, password)
    except DomainError as exc:
        _fail(exc)
    console.print(f"password set for {user_id}")


@reversals_app.command("import")
def reversals_import(
    path: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="CSV with source,event_id,original_event_id,reason,occurred_at",
        ),
    ],
    as_json: JsonOpt = False,
) -> None:
    """Reverse the awards of the refunded or charged-back events a file names; safe to re-run."""
    try:
        done = reversals.import_reversals(_runtime(), path)
    except DomainError as exc:
        _fail(exc)
        return
    if as_json:
        _print_json(
            {
                "rows_read": done.rows_read,
                "by_status": done.by_status,
                "clawback": dataclasses.asdict(done.clawback),
                "results": [dataclasses.asdict(r) for r in done.results],
                "rejected": [dataclasses.asdict(r) for r in done.rejected],
            }
        )
        return
    print_reversals(console, path.name, done)


@app.command("report")
def report(
    as_json: JsonOpt = False,
    start: Annotated[
        dt.datetime | None,
        typer.Option("--from", formats=["%Y-%m-%d"], help="impact report: first local day"),
    ] = None,
    end: Annotated[
        dt.datetime | None,
        typer.Option("--to", formats=["%Y-%m-%d"], help="impact report: last local day"),
    ] = None,
    fmt: Annotated[ReportFormat, typer.Option("--format")] = ReportFormat.JSON,
    out: Annotated[Path | None, typer.Option(help="impact report: directory to write")] = None,
    lang: Annotated[
        ImpactLang, typer.Option(help="impact report html: which language's labels come first")
    ] = ImpactLang.ZH,
    archive: Annotated[
        Path | None,
        typer.Option(help="impact report: compute it from this Parquet archive, not the store"),
    ] = None,
    epsilon: Annotated[
        float | None,
        typer.Option(
            min=0.001,
            max=100,
            help="impact report: differentially private with this budget ε for the whole "
            "report (default SAXAUL_REPORT_EPSILON; unset: exact counts)",
        ),
    ] = None,
) -> None:
    """Programme totals and energy credited per behaviour; with --from, --to and --out, the
    impact report (docs/impact-report.md) as JSON, one CSV per table, or an HTML page with
    charts (and its JSON beside it)."""
    if any(option is not None for option in (start, end, out, archive, epsilon)):
        if start is None or end is None or out is None:
            raise typer.BadParameter("the impact report needs --from, --to and --out")
        write_impact(console, start.date(), end.date(), fmt, out, lang, archive, epsilon)
        return
    totals, behaviours = reporting.summary(_runtime())
    if as_json:
        _print_json(
            {
                "totals": dataclasses.asdict(totals),
                "behaviours": [dataclasses.asdict(b) for b in behaviours],
            }
        )
        return
    print_summary(console, totals, behaviours)


@app.command("simulate")
def simulate(
    out: Annotated[Path, typer.Option(help="directory for participants and events files")],
    users: Annotated[int, typer.Option(min=1, max=10_000_000)] = 10_000,
    events: Annotated[
        int, typer.Option(min=0, max=100_000_000, help="plain mode: events in all")
    ] = 200_000,
    days: Annotated[
        int | None,
        typer.Option(min=1, max=3660, help="days to simulate (plain: 3; scenario: its own)"),
    ] = None,
    seed: int = 2016,
    fmt: Annotated[str, typer.Option("--format", help="csv | ndjson | parquet | mixed")] = "mixed",
    all_behaviours: Annotated[
        bool,
        typer.Option(
            "--all-behaviours",
            help="also write behaviours the configured programme does not score (they import "
            "as unknown_behaviour rejections)",
        ),
    ] = False,
    scenario: Annotated[
        str | None,
        typer.Option(
            help="calibrated mode: a scenario id, id@version or .toml file (e.g. pilot-2016); "
            "writes friendships and one events file per day"
        ),
    ] = None,
    start: Annotated[
        dt.datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="calibrated mode: first day (default: its own)"),
    ] = None,
    play: Annotated[
        bool,
        typer.Option(
            "--play",
            help="calibrated mode: also enrol, import and play everything through the services "
            "on a simulated clock, into SAXAUL_DATABASE_URL, then audit the ledger",
        ),
    ] = False,
    sample: Annotated[
        float,
        typer.Option(min=0.0, max=1.0, help="--play: share of each morning's players played"),
    ] = 1.0,
) -> None:
    """Write a synthetic pilot population and its events (no personal data involved).

    By default only the behaviours the configured programme (SAXAUL_PACKS,
    SAXAUL_ACTIVITY_PACKS) scores, so the files import without refusals. With --scenario,
    --start or --play, the population and its behaviour follow a calibrated scenario file
    (default pilot-2016; see docs/simulator.md).
    """
    behaviours = None
    if not all_behaviours:
        settings = Settings()
        try:
            behaviours = methodology.configured_behaviours(settings.packs, settings.activity_packs)
        except DomainError as exc:
            _fail(exc)
    if scenario or start or play:
        run_pilot(
            console,
            out=out,
            ref=scenario or DEFAULT_SCENARIO,
            users=users,
            days=days,
            start=start.date() if start else None,
            seed=seed,
            fmt="csv" if fmt == "mixed" else fmt,
            behaviours=behaviours,
            play=play,
            sample=sample,
        )
        return
    written = write_scenario(
        out, users=users, events=events, days=days or 3, seed=seed, fmt=fmt, behaviours=behaviours
    )
    for path in written:
        console.print(f"wrote {path}")


@app.command("serve")
def serve(
    host: Annotated[
        str | None, typer.Option(help="address to bind (default: SAXAUL_HOST, else 127.0.0.1)")
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(min=1, max=65535, help="port to bind (default: SAXAUL_PORT, else 8000)"),
    ] = None,
    jobs: Annotated[
        bool | None,
        typer.Option(
            "--jobs/--no-jobs",
            help="mint and expire energy balls every SAXAUL_JOBS_INTERVAL_S seconds, one "
            "server per database (default: SAXAUL_JOBS, else on)",
            show_default=False,
        ),
    ] = None,
    access_log: Annotated[
        bool | None,
        typer.Option(
            "--access-log/--no-access-log",
            help="log a line per request (default: SAXAUL_ACCESS_LOG, else on)",
            show_default=False,
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=64,
            help="server processes (default: SAXAUL_WORKERS, else one per CPU core on "
            "PostgreSQL and 1 on SQLite)",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs) and run the scheduled ball jobs."""
    from saxaul.cli.serving import serve as run_server

    chosen = {
        "host": host,
        "port": port,
        "jobs": jobs,
        "access_log": access_log,
        "workers": workers,
    }
    run_server(Settings().model_copy(update={k: v for k, v in chosen.items() if v is not None}))


@app.command("demo")
def demo(
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="serve afterwards")] = True,
    users: Annotated[
        int, typer.Option(min=100, help="participants of the next wave, after the pilot")
    ] = 5_000,
    events: Annotated[int, typer.Option(min=1_000, help="the next wave's events")] = 100_000,
    pilot_users: Annotated[
        int, typer.Option(min=100, help="participants of the calibrated pilot played first")
    ] = 1_000,
) -> None:
    """The calibrated pilot and its impact report, then the whole loop on a fresh SQLite file:
    simulate, enrol, import twice, verify, play, plant, report."""
    demo_job.run_demo(
        console, err, users=users, events=events, pilot_users=pilot_users, serve=serve
    )


energy_app = typer.Typer(
    help="Energy balls: the scheduled jobs (`saxaul serve` runs them; or cron, with --no-jobs).",
    no_args_is_help=True,
)
ledger_app = typer.Typer(help="The energy ledger.", no_args_is_help=True)
app.add_typer(energy_app, name="energy")
app.add_typer(ledger_app, name="ledger")


@energy_app.command("mint")
def energy_mint(as_json: JsonOpt = False) -> None:
    """Turn new awards into energy balls (safe to run again: each award has one ball)."""
    from saxaul.services.balls import mint_balls

    result = mint_balls(_runtime())
    if as_json:
        _print_json(dataclasses.asdict(result))
    else:
        console.print(f"minted {result.balls:,} balls holding {result.grams:,} g")


@energy_app.command("expire")
def energy_expire(as_json: JsonOpt = False) -> None:
    """Move what is left in balls past their expiry to the expired account."""
    from saxaul.services.balls import expire_balls

    result = expire_balls(_runtime())
    if as_json:
        _print_json(dataclasses.asdict(result))
    else:
        console.print(f"expired {result.balls:,} balls, {result.grams:,} g → expired account")


@ledger_app.command("audit")
def ledger_audit_command(as_json: JsonOpt = False) -> None:
    """Recompute every balance from the transfers; exit 1 if any invariant is broken."""
    from saxaul.services.ledger_audit import audit

    result = audit(_runtime())
    if as_json:
        _print_json({**dataclasses.asdict(result), "ok": result.ok, "issued_g": result.issued_g})
    else:
        from saxaul.cli.render_game import print_audit

        print_audit(console, result)
    if not result.ok:
        raise typer.Exit(code=1)
