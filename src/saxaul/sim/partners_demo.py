"""Real trees in the demo: a partner orders, plants and checks the season's promised trees.

Why through the services and not HTTP: the demo has no server running yet at this point, and
the routes call exactly these services, so a newcomer sees every status a promised tree can
take — owed, ordered, planted, verified alive, lost, replaced, reopened — the signed
certificate of a planted tree, a business's green scenario from proposal to live energy, and
webhook deliveries, each as a partner and the operators would make them.

The planting site, the survival check's method and the scenario's fragment are in
``real_trees.toml`` beside this module, with their sources.

Example: ``real_trees(rt, clock, players, out=Path("var/demo"))`` → a ``RealTrees`` log for
``cli/render_partners.py`` to print.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import ipaddress
import json
import tomllib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from saxaul.domain.orders import Irrigation, OrderStatus
from saxaul.domain.partners import Mode, PartnerKind, PartnerPrincipal, Scope
from saxaul.domain.webhooks import Reach
from saxaul.services import (
    certificates,
    evidence,
    orders,
    partner_keys,
    partners,
    scenario_events,
    scenario_sandbox,
    scenarios,
    webhook_http,
    webhooks,
)
from saxaul.services.certificate_seal import verify
from saxaul.services.evidence import (
    Location,
    Photo,
    PlantedTree,
    PlantingReport,
    Sampled,
    SurvivalReport,
)
from saxaul.services.partners import IssuedKey
from saxaul.services.pipeline import Pipeline, liability_summary
from saxaul.services.runtime import Runtime
from saxaul.services.scenario_events import ScenarioImpact
from saxaul.sim.clock import DemoClock
from saxaul.sim.webhook_receiver import local_receiver

NGO = "see-foundation"
BUSINESS = "acme-coffee"
OPERATOR = "demo-operator"
DEAD = 2
"""Trees the survival check finds dead: one is replanted, the other reopened."""
JSON = "application/json"


@dataclass(slots=True)
class CertificateCheck:
    """The exported certificate and what verifying it said."""

    tree_id: str
    files: list[Path]
    number: str
    key_id: str
    funding_events: int


@dataclass(slots=True)
class RealTrees:
    """What the step did, for the printout."""

    live_key: IssuedKey | None = None
    orders: dict[str, int] = field(default_factory=dict)
    """The NGO's orders by status after its answers."""
    planted: int = 0
    drip: int = 0
    sampled: tuple[int, int, int] = (0, 0, 0)
    """Survival check: alive, sampled, population the sample stands for."""
    method: str = ""
    replanted: list[str] = field(default_factory=list)
    reopened: list[str] = field(default_factory=list)
    pipeline: Pipeline | None = None
    certificate: CertificateCheck | None = None
    scenario: ScenarioImpact | None = None
    sandbox_g: int = 0
    delivered: dict[str, int] = field(default_factory=dict)
    """Deliveries the NGO's receiver acknowledged, by event type."""
    delivery_attempts: int = 0


def settings() -> dict[str, Any]:
    """The demo's site, survival method and scenario (``real_trees.toml``)."""
    text = resources.files("saxaul.sim").joinpath("real_trees.toml").read_text("utf-8")
    return tomllib.loads(text)


def real_trees(rt: Runtime, clock: DemoClock, players: Sequence[str], *, out: Path) -> RealTrees:
    """Run the step; see the module docstring."""
    data = settings()
    log = RealTrees()
    log.live_key = partner_keys.issue_key(rt, NGO, "demo", Mode.LIVE, frozenset(Scope))
    ngo = partners.authenticate_partner(rt, log.live_key.secret)
    with local_receiver() as inbox:
        subscribed = webhooks.subscribe(
            _reaching_this_machine(rt), ngo, f"https://{inbox.url}", ["*"]
        )
        webhooks.send_test(rt, ngo, subscribed.subscription.id)
        planted = _orders_and_planting(rt, ngo, data, log)
        clock.set(clock.now() + dt.timedelta(days=data["survival"]["after_days"]))
        _survival(rt, ngo, planted, data, log)
        listed, _ = orders.list_orders(rt, ngo, status=None, limit=orders.MAX_PAGE, after_id="")
        log.orders = dict(Counter(o.status for o in listed))
        log.pipeline = liability_summary(rt)
        alive = next(t for t in planted if t not in log.replanted and t not in log.reopened)
        log.certificate = _certificate(rt, alive, out)
        _scenario(rt, clock, players, data["scenario"], log)
        sent = webhooks.dispatch_until_idle(_reaching_this_machine(rt), send=_local_transport)
        log.delivered, log.delivery_attempts = dict(inbox.types), sent.attempts
    return log


def _reaching_this_machine(rt: Runtime) -> Runtime:
    """``rt`` whose webhooks may reach 127.0.0.1, where the demo's receiver listens, as an
    operator allows an on-premise receiver (``SAXAUL_WEBHOOKS_ALLOWED_NETWORKS``)."""
    here = (ipaddress.ip_network("127.0.0.1/32"),)
    return dataclasses.replace(rt, webhooks=dataclasses.replace(rt.webhooks, allowed_networks=here))


def _local_transport(
    url: str, body: bytes, headers: Mapping[str, str], timeout_s: float, reach: Reach
) -> webhook_http.Answer:
    """Deliver to the demo's receiver over plain HTTP on 127.0.0.1: live subscriptions take
    https:// URLs only, and the demo has no TLS certificate for its own machine; everything
    else (the address check, signature, ordering, retries, the log) is the dispatcher's own."""
    return webhook_http.post(url.replace("https://", "http://", 1), body, headers, timeout_s, reach)


def _orders_and_planting(
    rt: Runtime, ngo: PartnerPrincipal, data: dict[str, Any], log: RealTrees
) -> list[str]:
    """Batch orders; the NGO declines the first by project id (if several: hedysarum, so the
    saxaul, whose sink is sourced, goes on), accepts the rest and plants two thirds of their
    trees, half of them with drip irrigation. Returns the planted.

    Why by project id: order ids are random, and the demo must print the same every run."""
    orders.create_orders(rt)
    listed, _ = orders.list_orders(
        rt, ngo, status=OrderStatus.PROPOSED, limit=orders.MAX_PAGE, after_id=""
    )
    proposed = sorted(listed, key=lambda order: order.project_id)
    if len(proposed) > 1:
        orders.decline(rt, ngo, proposed[0].id, "the site is not ready this season (demo)")
        proposed = proposed[1:]
    site = data["site"]
    location = Location(site["lat"], site["lon"], tuple(tuple(p) for p in site["polygon"]))
    today = rt.clock.now().astimezone(ZoneInfo(rt.rules.timezone)).date()
    planted: list[str] = []
    for order in proposed:
        trees = [t.tree_id for t in orders.accept(rt, ngo, order.id).trees]
        batch = trees[: max(1, len(trees) * 2 // 3)]
        # two reports: the first half of the trees watered by drip, the rest left to the rain
        half = (len(batch) + 1) // 2
        for part, irrigation in ((batch[:half], Irrigation.DRIP), (batch[half:], Irrigation.NONE)):
            if part:
                evidence.submit(rt, ngo, order.id, _planting(today, location, part, irrigation))
        planted.extend(batch)
        log.drip += half
    log.planted = len(planted)
    return planted


def _planting(
    day: dt.date, location: Location, trees: Sequence[str], irrigation: Irrigation
) -> PlantingReport:
    photos = tuple(Photo(sha256=hashlib.sha256(f"photo {t}".encode()).hexdigest()) for t in trees)
    return PlantingReport(
        planted_on=day,
        location=location,
        photos=photos[:3],
        trees=tuple(PlantedTree(t, plot_id="plot-1", tag=f"tag-{t[-6:]}") for t in trees),
        irrigation=irrigation,
    )


def _survival(
    rt: Runtime, ngo: PartnerPrincipal, planted: list[str], data: dict[str, Any], log: RealTrees
) -> None:
    """A survival check of every other planted tree finds the first ``DEAD`` dead; one is
    replanted, the operator reopens the other."""
    today = rt.clock.now().astimezone(ZoneInfo(rt.rules.timezone)).date()
    log.method = data["survival"]["method"]
    by_order: dict[str, list[str]] = {}
    for order in orders.list_orders(rt, ngo, status=None, limit=orders.MAX_PAGE, after_id="")[0]:
        ids = {t.tree_id for t in orders.get_order(rt, ngo, order.id).trees}
        by_order[order.id] = [t for t in planted if t in ids]
    dead: list[tuple[str, str]] = []
    alive_n = sampled_n = population = 0
    for order_id, trees in by_order.items():
        if not trees:
            continue
        sample = trees[::2]
        dying = sample[: DEAD - len(dead)]
        report = SurvivalReport(
            checked_on=today,
            method=log.method,
            sample=tuple(Sampled(t, alive=t not in dying) for t in sample),
            sampled_of=len(trees),
        )
        evidence.submit(rt, ngo, order_id, report)
        dead.extend((order_id, t) for t in dying)
        alive_n, sampled_n = alive_n + len(sample) - len(dying), sampled_n + len(sample)
        population += len(trees)
    log.sampled = (alive_n, sampled_n, population)
    if dead:
        order_id, tree_id = dead[0]
        location = Location(data["site"]["lat"], data["site"]["lon"])
        evidence.submit(rt, ngo, order_id, _planting(today, location, [tree_id], Irrigation.DRIP))
        log.replanted.append(tree_id)
    for _, tree_id in dead[1:]:
        orders.reopen(rt, tree_id)
        log.reopened.append(tree_id)


def _certificate(rt: Runtime, tree_id: str, out: Path) -> CertificateCheck:
    """Export the tree's certificate as JSON, HTML and PDF; verify the JSON with the instance's
    public key pinned, as ``saxaul certificate verify --public-key`` does."""
    data = certificates.signed(rt, tree_id, user=None)
    files = []
    for fmt in ("json", "html", "pdf"):
        path = out / f"certificate-{tree_id}.{fmt}"
        path.write_bytes(data if fmt == "json" else certificates.render(data, fmt))
        files.append(path)
    verified = verify(files[0].read_bytes(), rt.keys.public_key)
    cert = verified.certificate
    events = sum(len(award["events"]) for award in cert["awards"].values())
    return CertificateCheck(tree_id, files, cert["number"], verified.key_id, events)


def _scenario(
    rt: Runtime,
    clock: DemoClock,
    players: Sequence[str],
    spec: dict[str, Any],
    log: RealTrees,
) -> None:
    """A business signs up, is approved, proposes the scenario, runs it in the sandbox over
    last month's refills, submits it; the operator approves a budget; live refills follow."""
    _, sandbox_key = partners.signup(
        rt,
        partners.Application(
            partner_id=BUSINESS,
            name_en="Acme Coffee (demo)",
            name_zh="阿克米咖啡（演示）",
            kind=PartnerKind.BUSINESS,
            contact_email="green@acme-coffee.example",
            owner_name="Demo Owner",
        ),
    )
    partners.decide(rt, BUSINESS, approve=True, by=OPERATOR, note="demo approval")
    business = partners.authenticate_partner(rt, sandbox_key.secret)
    draft = scenarios.propose(rt, business, spec["title"], spec["fragment"])
    now = clock.now()
    history = _refills(spec, players, now - dt.timedelta(days=30), "history")
    result = scenario_sandbox.run_sandbox(
        rt, business, draft.id, history, JSON, max_rows=len(players) * 3
    )
    log.sandbox_g = int(result["energy_g"])
    scenarios.submit(rt, business, draft.id)
    scenarios.approve(rt, draft.id, budget_g=spec["budget_g"], note="demo budget", by=OPERATOR)
    live = partners.authenticate_partner(
        rt, partner_keys.issue_key(rt, BUSINESS, "live", Mode.LIVE, frozenset(Scope)).secret
    )
    body = _refills(spec, players, now - dt.timedelta(hours=2), "live")
    scenario_events.import_live(rt, live, draft.id, body, JSON, max_rows=len(players) * 3)
    log.scenario = scenario_events.impact(rt, live, draft.id)


def _refills(spec: dict[str, Any], players: Sequence[str], at: dt.datetime, tag: str) -> bytes:
    """Three refills of each player at ``at`` (the cap lets two earn): a JSON array body."""
    rows = [
        {
            "event_id": f"{tag}-{player}-{n}",
            "source": spec["source"],
            "user_id": player,
            "behaviour": spec["behaviour"],
            "occurred_at": (at + dt.timedelta(minutes=n)).isoformat(),
            "quantity": 1,
        }
        for player in players
        for n in range(3)
    ]
    return json.dumps(rows).encode()
