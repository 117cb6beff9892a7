"""The calibrated pilot at scale: files, play and impact report, timed and weighed, and the
report's headline held against the seed report's figures at that size.

    python -m bench.pilot_scale --users 200000            # the pilot at 1:1000
    python -m bench.pilot_scale --users 2000000 --work var/pilot-1to100   # at 1:100
    python -m bench.pilot_scale --users 2000 --sample 0.25 --database-url postgresql+psycopg://…

Each step is the command an operator runs, in a child process of its own, so its wall time, CPU
time and peak RSS (``os.wait4``'s ``ru_utime + ru_stime`` and ``ru_maxrss``) are its own — the
CPU time is the figure that holds when other work shares the machine:

- ``files`` (the baseline): ``saxaul simulate`` writing the scenario's participants, friendships
  and daily events, without playing them;
- ``play``: ``saxaul simulate --play``, the same files played through the services (enrol,
  import, mint, befriend, collect, steal, plant, expire) on a fresh store, then audited;
- ``report``: ``saxaul report --from --to --format json``, the impact report over that store.

The play step's output line "time by step" is kept (where the play's time goes), and the
report's headline (``services.impact_headline``) is set beside the scenario's targets scaled to
``--users``, each with its ratio and whether it is within ±10 %. JSON goes to stdout, a summary
to stderr. The default store is SQLite in ``--work``; ``--database-url`` plays elsewhere (the
store is then expected empty).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from saxaul.services.impact_headline import headline
from saxaul.sim.pilot_scenario import SimScenario, load_scenario

Log = Callable[[str], None]
TOLERANCE = 0.10
"""How near the seed report's shape a run must come: the acceptance's ±10 %."""


def run_step(name: str, argv: Sequence[str], env: dict[str, str], log: Log) -> dict[str, Any]:
    """Run ``saxaul argv`` as a child; its wall time, peak RSS, exit code and output."""
    log(f"{name}: saxaul {' '.join(argv)}")
    began = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "saxaul", *argv],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert child.stdout is not None
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - began
    step = {
        "seconds": round(seconds, 1),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
        "exit": child.returncode,
        "output_tail": output.splitlines()[-40:],
    }
    log(
        f"  {seconds:,.0f} s ({step['cpu_seconds']:,.0f} s of CPU), "
        f"peak RSS {step['peak_rss_mib']:,.0f} MiB, exit {child.returncode}"
    )
    if child.returncode:
        raise SystemExit(f"{name} failed:\n{output[-4000:]}")
    return step


def targets(scenario: SimScenario, users: int) -> dict[str, Any]:
    """The seed report's end figures as the scenario states them, at ``users`` participants."""
    scale = users / scenario.participants
    top, top_share = max(scenario.provinces, key=lambda province: province[1])
    return {
        "participants": users,
        "women_pct": 100 * scenario.women_share[-1],
        "under_28_pct": 100 * sum(s for _, high, s in scenario.age_bands if high < 28),
        "over_50_pct": 100 * sum(s for low, _, s in scenario.age_bands if low >= 50),
        "top_province": top,
        "top_province_pct": 100 * top_share,
        "avoided_t": scenario.play.target_avoided_t * scale,
        "trees": scenario.play.target_trees * scale,
    }


def compare(found: dict[str, Any], wanted: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each headline figure beside its target: ratio and within ±10 % (names must match)."""
    out: dict[str, dict[str, Any]] = {}
    for name, target in wanted.items():
        value = found.get(name)
        if isinstance(target, str):
            out[name] = {"value": value, "target": target, "ok": value == target}
            continue
        ratio = None if value is None else value / target
        ok = ratio is not None and abs(ratio - 1) <= TOLERANCE
        out[name] = {"value": value, "target": round(target, 3), "ratio": ratio, "ok": ok}
    return out


def run_scale_bench(
    *,
    users: int,
    days: int | None,
    seed: int,
    sample: float,
    work: Path,
    database_url: str | None,
    log: Log,
) -> dict[str, Any]:
    """Files (baseline), play and report at ``users``; see the module docstring."""
    scenario = load_scenario()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = {
        **os.environ,
        "SAXAUL_DATABASE_URL": database_url or f"sqlite:///{work / 'pilot.db'}",
        "SAXAUL_SIGNING_KEY_FILE": str(work / "signing-key.pem"),
        "COLUMNS": "200",  # the play's one-line step times, unwrapped
    }
    span = days or scenario.days
    common = ["--users", str(users), "--days", str(span), "--seed", str(seed)]
    common += ["--start", scenario.start.isoformat()]
    files = run_step("files", ["simulate", *common, "--out", str(work / "files-only")], env, log)
    shutil.rmtree(work / "files-only")
    play_args = ["simulate", *common, "--out", str(work / "files"), "--play"]
    play = run_step("play", [*play_args, "--sample", str(sample)], env, log)
    end = scenario.start + dt.timedelta(days=span - 1)
    period = ["--from", scenario.start.isoformat(), "--to", end.isoformat()]
    out = work / "report"
    report = run_step(
        "report", ["report", *period, "--format", "json", "--out", str(out)], env, log
    )
    document = json.loads((out / "impact.json").read_text(encoding="utf-8"))
    found = dataclasses.asdict(headline(document))
    return {
        "bench": "pilot_scale",
        "scenario": scenario.ref,
        "users": users,
        "days": span,
        "seed": seed,
        "sample": sample,
        "store": "sqlite" if database_url is None else database_url.split(":", 1)[0],
        "files": files,
        "play": play,
        "report": report,
        "play_vs_files": round(play["seconds"] / files["seconds"], 1),
        "time_by_step": next(
            (line for line in play["output_tail"] if line.startswith("time by step")), None
        ),
        "headline": compare(found, targets(scenario, users)),
    }


def summary(result: dict[str, Any]) -> str:
    """The figures a reader wants, a line each."""
    lines = [
        f"{result['scenario']} at {result['users']:,} participants × {result['days']} days "
        f"(sample {result['sample']}, {result['store']})",
    ]
    for step in ("files", "play", "report"):
        seconds, rss = result[step]["seconds"], result[step]["peak_rss_mib"]
        lines.append(f"  {step:<7} {seconds:>9,.1f} s  peak RSS {rss:>8,.0f} MiB")
    lines.append(f"  play ÷ files (baseline): {result['play_vs_files']}×")
    if result["time_by_step"]:
        lines.append(f"  {result['time_by_step']}")
    for name, cell in result["headline"].items():
        ratio = cell.get("ratio")
        shown = "" if ratio is None else f"  ({ratio:.2f}×)"
        mark = "✓" if cell["ok"] else "✗"
        lines.append(f"  {mark} {name}: {cell['value']} vs {cell['target']}{shown}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200_000)
    parser.add_argument("--days", type=int, default=None)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sample", type=float, default=1.0)
    parser.add_argument("--work", type=Path, default=Path("var/pilot-scale"))
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    result = run_scale_bench(
        users=args.users,
        days=args.days,
        seed=args.seed,
        sample=args.sample,
        work=args.work,
        database_url=args.database_url,
        log=lambda line: print(line, file=sys.stderr, flush=True),
    )
    print(json.dumps(result, indent=2, ensure_ascii=False))
    print(summary(result), file=sys.stderr)


if __name__ == "__main__":
    main()
