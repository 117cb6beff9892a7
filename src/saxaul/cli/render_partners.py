"""Printing the demo's planting season and real trees for people: short, bilingual headings."""

from __future__ import annotations

from rich.console import Console

from saxaul.cli.orders import print_pipeline
from saxaul.sim.partners_demo import RealTrees
from saxaul.sim.season import SeasonLog


def print_season(console: Console, log: SeasonLog) -> None:
    """Events imported, grams collected and trees planted by species."""
    species = ", ".join(f"{sid} {n:,}" for sid, n in sorted(log.species.items()))
    console.print(
        f"{log.events:,} events imported · {log.collected_g:,} g collected · "
        f"{len(log.trees):,} trees planted ({species or 'none'})"
    )


def print_real_trees(console: Console, log: RealTrees) -> None:
    """Orders, evidence, the pipeline, the certificate, the scenario and the webhooks."""
    answered = ", ".join(f"{status} {n}" for status, n in sorted(log.orders.items()))
    console.print(f"orders of see-foundation · 订单: {answered}")
    console.print(
        f"planting evidence · 种植证据: {log.planted} trees (GPS, photo sha256s; "
        f"{log.drip} with drip irrigation)"
    )
    alive, sampled, of = log.sampled
    console.print(
        f"survival check · 成活抽查: {alive}/{sampled} alive in a sample of {of} planted "
        f"({log.method})"
    )
    console.print(
        f"lost trees: replanted {', '.join(log.replanted) or '-'} · reopened by the operator "
        f"{', '.join(log.reopened) or '-'}"
    )
    if log.pipeline is not None:
        print_pipeline(console, log.pipeline)
    cert = log.certificate
    if cert is not None:
        console.print(
            f"certificate · 证书 {cert.number} of {cert.tree_id}: genuine, key {cert.key_id}, "
            f"{cert.funding_events} funding events → " + ", ".join(str(path) for path in cert.files)
        )
    impact = log.scenario
    if impact is not None:
        console.print(
            f"green scenario · 绿色场景 {impact.pack_id}@{impact.pack_version}: sandbox "
            f"{log.sandbox_g:,} g; live {impact.events_received} events, {impact.events_scored} "
            f"scored, {impact.participants} participants, {impact.energy_g:,} g energy, "
            f"budget {impact.budget_used_g:,}/{impact.budget_g:,} g"
        )
    delivered = ", ".join(f"{kind} {n}" for kind, n in sorted(log.delivered.items()))
    console.print(
        f"webhooks · 事件推送: {sum(log.delivered.values())} delivered to see-foundation's "
        f"receiver in {log.delivery_attempts} attempts ({delivered})"
    )
