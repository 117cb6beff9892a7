"""The worlds the browser tests play in, built through the services over a live server.

Why one module: the app's test, the consoles' test and the accessibility test walk the same
screens with the same people, and a world described twice drifts apart.

The app's world (fake clock, ``tests.game_world``): p1 signs in with a ripe metro ball, a
growing one, and 20 000 g of energy from a collected bus ball (enough for a saxaul); their
friend p2 has a ripe ball to steal from; p3 lists p1 as a friend.

The consoles' world: an approved NGO with an open saxaul project, a pending applicant, an
approved business, and u1 rich enough to plant once its ball ripens.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from saxaul.api.app import create_app
from saxaul.bootstrap import bootstrap
from saxaul.config import Settings
from saxaul.domain.operators import OperatorRole
from saxaul.domain.partners import Mode, PartnerKind, Scope
from saxaul.services import forest, game_requests, participant_auth, partner_keys, partners
from saxaul.services.api_keys import create_api_key
from saxaul.services.balls import mint_balls
from saxaul.services.game_batch import play_request
from saxaul.services.projects import ProjectDraft, create_project
from saxaul.services.runtime import Runtime
from tests.conftest import FakeClock
from tests.game_world import befriend, bus_trips, enrol, rides
from tests.live_server import live_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext

    from saxaul.services.game_views import BallView

ME, FRIEND, OTHER = "p1", "p2", "p3"
PASSWORD = "browser-test-password"
DAY = dt.date(2026, 11, 4)
NGO = "green-ngo"
ZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class AppWorld:
    """The live app's address, its runtime, and the balls a test taps."""

    rt: Runtime
    base: str
    ripe: BallView
    growing: BallView
    friends_ball: BallView


def _build_app(rt: Runtime, clock: FakeClock, tmp_path: Path) -> None:
    enrol(rt, [ME, FRIEND, OTHER], tmp_path)
    befriend(rt, ME, FRIEND)
    befriend(rt, OTHER, ME)
    participant_auth.set_password(rt, ME, PASSWORD)
    rides(rt, ME, 3, DAY)
    rides(rt, FRIEND, 2, DAY)
    bus_trips(rt, ME, 250, DAY)
    mint_balls(rt)
    clock.advance(hours=25)  # every ball of 11-04 is ripe
    (bus,) = [b for b in forest.my_forest(rt, ME).balls if b.behaviour == "bus_ride"]
    play_request(rt, game_requests.collect(ME, bus.id, None))
    rides(rt, ME, 2, DAY + dt.timedelta(days=1))
    mint_balls(rt)  # a ball minted now: growing for a day


@contextmanager
def app_world(clock: FakeClock, tmp_path: Path) -> Iterator[AppWorld]:
    """The app's world, served live for as long as the block runs."""
    rt = bootstrap(Settings(database_url=f"sqlite:///{tmp_path / 'saxaul.db'}"), clock=clock)
    try:
        _build_app(rt, clock, tmp_path)
        balls = forest.my_forest(rt, ME).balls
        (friends_ball,) = forest.my_forest(rt, FRIEND).balls
        with live_server(create_app(runtime=rt)) as port:
            yield AppWorld(
                rt=rt,
                base=f"http://127.0.0.1:{port}",
                ripe=next(b for b in balls if b.state == "ripe"),
                growing=next(b for b in balls if b.state == "growing"),
                friends_ball=friends_ball,
            )
    finally:
        rt.db.dispose()


def app_context(chromium: Browser) -> BrowserContext:
    """A phone-sized-or-wider tab for the app, in Shanghai's zone, in Chinese, motion reduced.

    The browser keeps its own clock: the app counts down on the server's."""
    return chromium.new_context(
        viewport={"width": 1280, "height": 900},
        timezone_id=ZONE,
        locale="zh-CN",
        accept_downloads=True,
        reduced_motion="reduce",  # balls hold still, as the app promises, so a click lands
    )


def _partner(
    rt: Runtime, partner_id: str, approve: bool, kind: PartnerKind = PartnerKind.NGO
) -> str:
    _, sandbox = partners.signup(
        rt,
        partners.Application(
            partner_id=partner_id, name_en=f"Partner {partner_id}", name_zh="绿色基金会",
            kind=kind, contact_email=f"a@{partner_id}.example", owner_name="Owner",
        ),
    )  # fmt: skip
    if not approve:
        return sandbox.secret
    partners.decide(rt, partner_id, approve=True, by="test", note=None)
    return partner_keys.issue_key(rt, partner_id, "live", Mode.LIVE, frozenset(Scope)).secret


def _draft() -> ProjectDraft:
    from saxaul.api.schemas.projects import ProjectIn

    body = ProjectIn.model_validate(
        {"outcome": "trees", "species_id": "saxaul", "title_en": "Saxaul belt",
         "site": {"name": "Alxa A", "region_zh": "阿拉善", "region_en": "Alxa",
                  "geometry": {"type": "Point", "coordinates": [105.6, 39.2]}},
         "capacity": 100, "starts_on": "2026-01-01", "evidence_required": ["planting_date"],
         "status": "open"}
    )  # fmt: skip
    return body.draft()


@contextmanager
def console_world(clock: FakeClock, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """The consoles' world, served live: ``rt``, ``base`` and the keys ``operator`` (admin),
    ``analyst``, ``partner`` (the NGO's live key) and ``business``."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'c.db'}")
    rt = bootstrap(settings, clock=clock)
    try:
        live = _partner(rt, NGO, approve=True)
        _partner(rt, "pending-ngo", approve=False)
        shop = _partner(rt, "green-shop", approve=True, kind=PartnerKind.BUSINESS)
        create_project(rt, partners.authenticate_partner(rt, live), _draft())
        enrol(rt, ["u1", "u2"], tmp_path)
        bus_trips(rt, "u1", 250, DAY)
        mint_balls(rt)
        clock.advance(hours=25)
        with live_server(create_app(settings, runtime=rt)) as port:
            yield {
                "rt": rt,
                "base": f"http://127.0.0.1:{port}",
                "operator": create_api_key(rt, "op"),
                "analyst": create_api_key(rt, "analyst", OperatorRole.ANALYST),
                "partner": live,
                "business": shop,
            }
    finally:
        rt.db.dispose()
