"""``saxaul demo``: the whole loop on a fresh SQLite file, in about a minute.

1. the calibrated pilot (``sim.pilot``, scenario ``pilot-2016``): a small population enrolled
   from 2016-08-01 as the seed report's ramp, played through the services for its 184 days (a
   line a month, then the totals beside the scenario's targets); 2. its impact report for the
   pilot's period, computed by the services and written to ``var/demo/report/`` (HTML, JSON,
   CSV), with its headline beside the seed report's figures; then the next wave, enrolled over
   the 30 days before ``sim.scenario.START`` (2026-11-02: the programme today, every pack and the
   business scenario of step 10 in force, long after the pilot's last day, so the pilot's report
   counts the pilot alone) and numbered after the pilot's participants: 3. simulate it
   and three days of its events (CSV, NDJSON, Parquet) plus a file of late events with typical
   mistakes, and enrol it (consent first); 4. import each events file with a progress bar;
   5. import day 1 again to show exactly-once (all duplicates); 6. run every methodology test
   vector through both scorers; 7. print the impact summary and the quarantined rows; 8. play
   the forest game on simulated mornings (friends, stealing, collecting, watering, covers,
   expiry, a co-planting) and audit the energy ledger; 9. a planting season: the keenest
   players earn, collect and plant real-tree promises (``sim.season``); 10. real trees: the SEE
   Foundation's orders, planting and survival evidence, a lost tree replanted and one reopened,
   the pipeline and sink, a signed certificate exported and verified, a business's green
   scenario from sandbox to live energy, webhook deliveries (``sim.partners_demo``), then a
   morning of ordinary play, so balls are ripe; 11. trust: the abuse detectors over every move
   played (ordinary play raises no flag) and a player's signed personal carbon statement, written
   and verified offline; 12. beyond one machine: the store archived (Parquet, format 3) and its
   events rescored from the archive alone by the scoring kernel, equal to the store's credit
   month by month; 13. serve the API with a
   fresh operator key, the partner's live key, demo logins and a share link to the pilot's
   report page, simulated time running on, and sign-in links to the participant app
   (``/app/``) for players with ripe balls and friends (unless ``--no-serve``).
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from pathlib import Path

import polars as pl
from rich.console import Console
from rich.markup import escape
from rich.rule import Rule

from saxaul.bootstrap import bootstrap
from saxaul.cli.impact import ImpactLang, ReportFormat, write_files
from saxaul.cli.render import import_progress, print_import, print_summary
from saxaul.cli.render_game import demo_players, print_audit, print_play
from saxaul.cli.render_partners import print_real_trees, print_season
from saxaul.cli.render_pilot import monthly, print_headline, print_written
from saxaul.cli.render_pilot import print_play as print_pilot
from saxaul.cli.render_scale import print_scale
from saxaul.cli.render_trust import print_trust
from saxaul.config import Settings
from saxaul.services import (
    api_keys,
    forest,
    imports,
    ledger_audit,
    methodology,
    participant_auth,
    participants,
    quarantine,
    report_links,
    reporting,
)
from saxaul.services.impact import impact_report
from saxaul.services.impact_headline import headline
from saxaul.services.runtime import Runtime
from saxaul.sim.clock import DemoClock
from saxaul.sim.forest_play import local, play_demo_days
from saxaul.sim.partners_demo import real_trees
from saxaul.sim.pilot import write_pilot
from saxaul.sim.pilot_play import play_pilot
from saxaul.sim.pilot_scenario import SimScenario, load_scenario
from saxaul.sim.scenario import START, write_scenario
from saxaul.sim.season import morning_after, season

DEMO_DIR = Path("var/demo")
REPORT_DIR = DEMO_DIR / "report"
SEED = 2016
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


def run_demo(
    console: Console, err: Console, *, users: int, events: int, pilot_users: int, serve: bool
) -> None:
    """Run the demo job; see the module docstring for the steps."""
    shutil.rmtree(DEMO_DIR, ignore_errors=True)
    DEMO_DIR.mkdir(parents=True)
    settings = Settings(
        database_url=f"sqlite:///{DEMO_DIR / 'saxaul.db'}",
        signing_key_file=str(DEMO_DIR / "signing-key.pem"),  # a demo key, gone with the demo
    )
    console.print(Rule("Saxaul demo · 个人碳账户演示"))
    console.print(f"database: {settings.database_url}")
    scenario = load_scenario()
    clock = DemoClock(dt.datetime.combine(scenario.start, dt.time(), tzinfo=dt.UTC))
    rt = bootstrap(settings, clock=clock)
    last_day = _pilot(console, rt, clock, scenario, pilot_users)

    clock.set(dt.datetime.combine(START, dt.time(), tzinfo=dt.UTC))
    files = write_scenario(
        DEMO_DIR / "data",
        users=users,
        events=events,
        days=DAYS,
        seed=SEED,
        bad_rows=True,
        behaviours=methodology.scored_behaviours(rt),
        first_id=pilot_users + 1,
    )
    console.print(
        f"the next wave: simulated {users:,} participants (p{pilot_users + 1:07d}…) enrolling "
        f"before {START} and ~{events:,} events → {files[0].parent}"
    )

    console.print(Rule("3 · enrol the next wave (consent first · 先同意后计分)"))
    with import_progress(err, files[0].name, imports.file_rows(files[0])) as advance:
        enrolled = participants.import_participants(
            rt, files[0], progress=advance, claimed=advance.claimed
        )
    print_import(console, "participants", enrolled)

    console.print(Rule("4 · import events (exactly once · 恰好一次)"))
    for day, path in enumerate(files[1:]):
        # each day's file is imported just after that day ends, as a nightly job would
        next_day = START + dt.timedelta(days=min(day, DAYS - 1) + 1)
        clock.set(local(next_day, 0, rt.rules.timezone) + HALF_HOUR)
        with import_progress(err, path.name, imports.file_rows(path)) as advance:
            result = imports.import_events(rt, path, progress=advance, claimed=advance.claimed)
        print_import(console, "events", result)
        if result.rows_read >= 10_000:
            console.print(f"  → {result.rows_read / result.seconds:,.0f} events/s end to end")

    console.print(Rule("5 · the same file again: nothing is counted twice"))
    again = imports.import_events(rt, files[1])
    console.print(
        f"{files[1].name}: {again.new_events:,} new, {again.duplicates:,} duplicates, "
        f"{again.energy_g:,} g energy added"
    )

    console.print(Rule("6 · methodology test vectors, reference scorer vs kernel"))
    outcomes = methodology.verify_packs(rt.packs)
    bad = [o for o in outcomes if not o.ok]
    console.print(
        f"{len(outcomes) - len(bad)}/{len(outcomes)} vectors agree across "
        f"{len(rt.packs)} packs: {', '.join(p.ref for p in rt.packs)}"
    )
    for o in bad:
        console.print(f"[bold red]MISMATCH[/] {o}")

    console.print(Rule("7 · impact so far · 减排与绿色能量"))
    print_summary(console, *reporting.summary(rt))
    rows, total = quarantine.list_quarantine(rt, limit=10)
    console.print(f"quarantine: {total} refused rows kept for inspection, e.g.")
    for row in rows[:6]:
        console.print(
            escape(f"  {row.import_name} {row.location} {row.line}: [{row.code}] {row.reason}")
        )

    players = demo_players(files[0], PLAYERS)
    console.print(Rule(f"8 · the forest game: {len(players)} players · 蚂蚁森林式能量游戏"))
    with import_progress(err, "moves", None, unit="moves") as advance:
        log = play_demo_days(rt, clock, players, START, DAYS, advance)
    print_play(console, log)
    print_audit(console, ledger_audit.audit(rt))

    console.print(Rule(f"9 · a planting season: {PLANTERS} planters · 种树季"))
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

    console.print(Rule("10 · real trees · 真树"))
    trees = real_trees(rt, clock, players, out=DEMO_DIR)
    print_real_trees(console, trees)
    minted = morning_after(rt, clock, players, pl.read_csv(files[0]), out=DEMO_DIR / "data")
    console.print(
        f"the morning after: {minted:,} new balls for the {len(players)} players, ripe at "
        f"{clock.now():%Y-%m-%d %H:%M} UTC (新的一天：能量球已成熟)"
    )

    console.print(
        Rule("11 · trust: abuse scan and a signed personal statement · 反作弊与个人碳账单")
    )
    print_trust(console, rt, scenario.start, clock.now(), players[0], DEMO_DIR)

    console.print(Rule("12 · beyond one machine: the archive rescored out of the store · 超越单机"))
    print_scale(console, rt, settings, DEMO_DIR)

    if not serve:
        rt.db.dispose()
        return
    import uvicorn

    from saxaul.api.app import create_app
    from saxaul.api.routers.impact import link_path
    from saxaul.cli.serving import proxy_options

    key = api_keys.create_api_key(rt, "demo-operator")
    for player in players[:DEMO_LOGINS]:
        participant_auth.set_password(rt, player, DEMO_PASSWORD)
    clock.run()
    base = f"http://{settings.host}:{settings.port}"
    link = report_links.create_link(rt, scenario.start, last_day, "en")
    console.print(Rule(f"13 · serving {base} (Ctrl+C to stop)"))
    console.print(f"operator key (shown once): {key}")
    console.print(
        f"try: curl -H 'Authorization: Bearer {key}' {base}/v1/summary   · API docs: {base}/docs"
    )
    console.print(
        f"the pilot's impact report, open in a browser until {link.expires_at:%Y-%m-%d %H:%M} "
        "UTC (影响力报告分享链接):"
    )
    console.print(f"  {base}{link_path(link.token)}", soft_wrap=True)  # one line, to copy
    assert trees.live_key is not None
    console.print(f"see-foundation's live partner key (shown once): {trees.live_key.secret}")
    console.print(
        f"try: curl -H 'Authorization: Bearer {trees.live_key.secret}' {base}/v1/partner/orders"
    )
    console.print(
        f"demo players (password {DEMO_PASSWORD}): {', '.join(players[:DEMO_LOGINS])} · log in: "
        f"curl -X POST {base}/v1/auth/login -H 'Content-Type: application/json' "
        f"""-d '{{"user_id": "{players[0]}", "password": "{DEMO_PASSWORD}"}}'"""
    )
    console.print("the participant app · 参与者应用: open a sign-in link and tap a ripe ball:")
    for player, token in app_sign_ins(rt, players, DEMO_LOGINS):
        console.print(f"  {player}: {base}/app/#token={token}", soft_wrap=True)
    _print_console_links(console, base, key, trees.live_key.secret)
    console.print(f"simulated time carries on from {clock.now():%Y-%m-%d %H:%M} UTC")
    uvicorn.run(
        create_app(settings, runtime=rt),
        host=settings.host,
        port=settings.port,
        **proxy_options(settings),
    )


def app_sign_ins(rt: Runtime, players: list[str], count: int) -> list[tuple[str, str]]:
    """Up to ``count`` players with a ripe ball and a friend, each with a participant token
    minted as ``POST /v1/participants/{id}/tokens`` mints one: a newcomer opening the link
    taps a ball at once, and has someone to steal from and water."""
    chosen: list[tuple[str, str]] = []
    for player in players:
        if len(chosen) == count:
            break
        ripe = any(ball.state == "ripe" for ball in forest.my_forest(rt, player).balls)
        if ripe and forest.friends_forests(rt, player).friends:
            chosen.append((player, participant_auth.issue_token(rt, player).token))
    return chosen


def _print_console_links(console: Console, base: str, operator_key: str, partner_key: str) -> None:
    """Sign-in links for the consoles: the key rides in the fragment, which the browser never
    sends to the server; the console stores it for the tab and clears it from the address."""
    console.print("consoles, open in a browser (控制台登录链接):")
    for who, secret in (("operator", operator_key), ("see-foundation", partner_key)):
        console.print(f"  {who}: {base}/console/#key={secret}", soft_wrap=True)


def _pilot(
    console: Console, rt: Runtime, clock: DemoClock, scenario: SimScenario, users: int
) -> dt.date:
    """Steps 1 and 2: play the calibrated pilot, then write and headline its impact report;
    returns the pilot's last day."""
    console.print(
        Rule(
            f"1 · the calibrated pilot {scenario.ref}: {users:,} participants, "
            f"1:{scenario.participants * scenario.scale // users:,} · 校准试点"
        )
    )
    began = time.perf_counter()
    out = DEMO_DIR / "pilot"
    files = write_pilot(
        out,
        scenario,
        users=users,
        days=scenario.days,
        start=None,
        seed=SEED,
        behaviours=methodology.scored_behaviours(rt),
    )
    print_written(console, scenario, files, out, time.perf_counter() - began)
    log = play_pilot(rt, clock, scenario, files, seed=SEED, on_day=monthly(console))
    print_pilot(console, scenario, log, users)

    last = scenario.start + dt.timedelta(days=scenario.days - 1)
    console.print(Rule(f"2 · the pilot's impact report {scenario.start}..{last} · 影响力报告"))
    report = impact_report(rt, scenario.start, last)
    written = write_files(report, (ReportFormat.HTML, ReportFormat.CSV), REPORT_DIR, ImpactLang.EN)
    console.print(
        f"written: {REPORT_DIR / 'impact.html'} (charts, offline) · impact.json · "
        f"{len(written) - 2} CSV tables · k = {report['k']}"
    )
    print_headline(console, headline(report), report["k"], scenario, users)
    return last
