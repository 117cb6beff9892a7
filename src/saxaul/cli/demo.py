"""``saxaul demo``: the whole loop on a fresh SQLite file, in about a minute.

1. simulate a pilot population and three days of events (CSV, NDJSON, Parquet) plus a file of
   late events with typical mistakes; 2. enrol the participants (consent first); 3. import each
   events file with a progress bar; 4. import day 1 again to show exactly-once (all duplicates);
5. run every methodology test vector through both scorers; 6. print the impact summary and the
   quarantined rows; 7. play the forest game on simulated mornings (friends, stealing,
   collecting, watering, covers, expiry, a co-planting) and audit the energy ledger; 8. a
   planting season: the keenest players earn, collect and plant real-tree promises
   (``sim.season``); 9. real trees: the SEE Foundation's orders, planting and survival evidence,
   a lost tree replanted and one reopened, the pipeline and sink, a signed certificate exported
   and verified, a business's green scenario from sandbox to live energy, webhook deliveries
   (``sim.partners_demo``), then a morning of ordinary play, so balls are ripe; 10. serve the
   API with a fresh operator key, the partner's live key and demo logins, simulated time
   running on (unless ``--no-serve``).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import polars as pl
from rich.console import Console
from rich.markup import escape
from rich.rule import Rule

from saxaul.bootstrap import bootstrap
from saxaul.cli.render import import_progress, print_import, print_summary
from saxaul.cli.render_game import demo_players, print_audit, print_play
from saxaul.cli.render_partners import print_real_trees, print_season
from saxaul.config import Settings
from saxaul.services import (
    api_keys,
    imports,
    ledger_audit,
    methodology,
    participant_auth,
    participants,
    quarantine,
    reporting,
)
from saxaul.sim.clock import DemoClock
from saxaul.sim.forest_play import local, play_demo_days
from saxaul.sim.partners_demo import real_trees
from saxaul.sim.scenario import START, write_scenario
from saxaul.sim.season import morning_after, season

DEMO_DIR = Path("var/demo")
DAYS = 3
PLAYERS = 500
"""Participants who play the game in the demo (the rest only earn energy, which expires)."""
HALF_HOUR = dt.timedelta(minutes=30)
PLANTERS = 60
"""The keenest players, who play on through a planting season."""
SEASON_DAYS = 60
GAME_MORNINGS = 5
"""Days from the pilot's first day to the forest game's last morning (``play_demo_days``)."""
DEMO_LOGINS = 3
DEMO_PASSWORD = "saxaul-demo"
"""Password of the demo players who can log in; demo mode only, printed on screen."""


def run_demo(console: Console, err: Console, *, users: int, events: int, serve: bool) -> None:
    """Run the demo job; see the module docstring for the steps."""
    shutil.rmtree(DEMO_DIR, ignore_errors=True)
    DEMO_DIR.mkdir(parents=True)
    settings = Settings(
        database_url=f"sqlite:///{DEMO_DIR / 'saxaul.db'}",
        signing_key_file=str(DEMO_DIR / "signing-key.pem"),  # a demo key, gone with the demo
    )
    console.print(Rule("Saxaul demo · 个人碳账户演示"))
    console.print(f"database: {settings.database_url}")
    clock = DemoClock(dt.datetime.combine(START, dt.time(), tzinfo=dt.UTC))
    rt = bootstrap(settings, clock=clock)
    files = write_scenario(
        DEMO_DIR / "data",
        users=users,
        events=events,
        days=DAYS,
        seed=2016,
        bad_rows=True,
        behaviours=methodology.scored_behaviours(rt),
    )
    console.print(f"simulated {users:,} participants and ~{events:,} events → {files[0].parent}")

    console.print(Rule("1 · enrol participants (consent first · 先同意后计分)"))
    with import_progress(err, files[0].name, imports.file_rows(files[0])) as advance:
        enrolled = participants.import_participants(
            rt, files[0], progress=advance, claimed=advance.claimed
        )
    print_import(console, "participants", enrolled)

    console.print(Rule("2 · import events (exactly once · 恰好一次)"))
    for day, path in enumerate(files[1:]):
        # each day's file is imported just after that day ends, as a nightly job would
        next_day = START + dt.timedelta(days=min(day, DAYS - 1) + 1)
        clock.set(local(next_day, 0, rt.rules.timezone) + HALF_HOUR)
        with import_progress(err, path.name, imports.file_rows(path)) as advance:
            result = imports.import_events(rt, path, progress=advance, claimed=advance.claimed)
        print_import(console, "events", result)
        if result.rows_read >= 10_000:
            console.print(f"  → {result.rows_read / result.seconds:,.0f} events/s end to end")

    console.print(Rule("3 · the same file again: nothing is counted twice"))
    again = imports.import_events(rt, files[1])
    console.print(
        f"{files[1].name}: {again.new_events:,} new, {again.duplicates:,} duplicates, "
        f"{again.energy_g:,} g energy added"
    )

    console.print(Rule("4 · methodology test vectors, reference scorer vs kernel"))
    outcomes = methodology.verify_packs(rt.packs)
    bad = [o for o in outcomes if not o.ok]
    console.print(
        f"{len(outcomes) - len(bad)}/{len(outcomes)} vectors agree across "
        f"{len(rt.packs)} packs: {', '.join(p.ref for p in rt.packs)}"
    )
    for o in bad:
        console.print(f"[bold red]MISMATCH[/] {o}")

    console.print(Rule("5 · impact so far · 减排与绿色能量"))
    print_summary(console, *reporting.summary(rt))
    rows, total = quarantine.list_quarantine(rt, limit=10)
    console.print(f"quarantine: {total} refused rows kept for inspection, e.g.")
    for row in rows[:6]:
        console.print(
            escape(f"  {row.import_name} {row.location} {row.line}: [{row.code}] {row.reason}")
        )

    players = demo_players(files[0], PLAYERS)
    console.print(Rule(f"6 · the forest game: {len(players)} players · 蚂蚁森林式能量游戏"))
    with import_progress(err, "moves", None, unit="moves") as advance:
        log = play_demo_days(rt, clock, players, START, DAYS, advance)
    print_play(console, log)
    print_audit(console, ledger_audit.audit(rt))

    console.print(Rule(f"7 · a planting season: {PLANTERS} planters · 种树季"))
    with import_progress(err, "season", None, unit="moves") as advance:
        grown = season(
            rt,
            clock,
            players[:PLANTERS],
            pl.read_csv(files[0]),
            START + dt.timedelta(days=GAME_MORNINGS + 1),
            days=SEASON_DAYS,
            out=DEMO_DIR / "data",
            advance=advance,
        )
    print_season(console, grown)

    console.print(Rule("8 · real trees · 真树"))
    trees = real_trees(rt, clock, players, out=DEMO_DIR)
    print_real_trees(console, trees)
    minted = morning_after(rt, clock, players, pl.read_csv(files[0]), out=DEMO_DIR / "data")
    console.print(
        f"the morning after: {minted:,} new balls for the {len(players)} players, ripe at "
        f"{clock.now():%Y-%m-%d %H:%M} UTC (新的一天：能量球已成熟)"
    )

    if not serve:
        rt.db.dispose()
        return
    import uvicorn

    from saxaul.api.app import create_app

    key = api_keys.create_api_key(rt, "demo-operator")
    for player in players[:DEMO_LOGINS]:
        participant_auth.set_password(rt, player, DEMO_PASSWORD)
    clock.run()
    console.print(Rule("9 · serving http://127.0.0.1:8000 (Ctrl+C to stop)"))
    console.print(f"operator key (shown once): {key}")
    console.print(
        "try: curl -H 'Authorization: Bearer "
        f"{key}' http://127.0.0.1:8000/v1/summary   · API docs: http://127.0.0.1:8000/docs"
    )
    assert trees.live_key is not None
    console.print(f"see-foundation's live partner key (shown once): {trees.live_key.secret}")
    console.print(
        "try: curl -H 'Authorization: Bearer "
        f"{trees.live_key.secret}' http://127.0.0.1:8000/v1/partner/orders"
    )
    console.print(
        f"demo players (password {DEMO_PASSWORD}): {', '.join(players[:DEMO_LOGINS])} · log in: "
        "curl -X POST http://127.0.0.1:8000/v1/auth/login -H 'Content-Type: application/json' "
        f"""-d '{{"user_id": "{players[0]}", "password": "{DEMO_PASSWORD}"}}'"""
    )
    console.print(f"simulated time carries on from {clock.now():%Y-%m-%d %H:%M} UTC")
    uvicorn.run(create_app(settings, runtime=rt), host=settings.host, port=settings.port)
