"""Live events from NATS JetStream, exactly once: a consumer SIGKILLed mid-way and restarted,
or ``saxaul serve`` consuming with two workers and stopped mid-way, leaves the same totals as
one file import of the same events.

Needs the real nats-server (``SAXAUL_TEST_NATS_URL``, default 127.0.0.1:4222); skips with the
reason when it is absent, except under ``CI=true``. Each test uses a stream, subject and
consumer of its own, so runs never see each other's messages.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import nats
import pytest
import sqlalchemy as sa
from nats.js.errors import NotFoundError

from saxaul.bootstrap import bootstrap, stream_limits
from saxaul.cli.jetstream import JetStreamSource, StreamTarget, publish
from saxaul.config import Settings
from saxaul.ingest.messages import message_key
from saxaul.services import imports, methodology, participants, stream_ingest
from saxaul.services.imports import import_event_messages
from saxaul.services.runtime import Runtime
from saxaul.services.stream_ingest import (
    FileMessage,
    StreamMessage,
    consume,
    stream_quarantine,
)
from saxaul.sim.scenario import write_scenario
from saxaul.store.job_lock import ADVISORY_CLASSES
from tests.conftest import unavailable
from tests.stream_rides import ride

NATS_URL = os.environ.get("SAXAUL_TEST_NATS_URL", "nats://127.0.0.1:4222")
BATCH = 20
PER_MESSAGE = 10
"""Events per message as published: a fetch of ``BATCH`` messages carries 200 events."""


@pytest.fixture(scope="module")
def nats_url() -> str:
    parts = urlparse(NATS_URL)
    try:
        socket.create_connection((parts.hostname or "", parts.port or 4222), timeout=2).close()
    except OSError as exc:
        unavailable(f"nats-server not reachable at {NATS_URL}: {exc.__class__.__name__}")
    return NATS_URL


@pytest.fixture
def stream_name(nats_url: str) -> Iterator[str]:
    """A stream name of this test's own, its stream deleted afterwards."""
    name = f"t{uuid.uuid4().hex[:10]}"
    yield name

    async def delete() -> None:
        nc = await nats.connect(nats_url)
        try:
            await nc.jetstream().delete_stream(name)
        except NotFoundError:
            pass
        finally:
            await nc.close()

    asyncio.run(delete())


def _env(nats_url: str, database_url: str, name: str) -> dict[str, str]:
    return os.environ | {
        "SAXAUL_DATABASE_URL": database_url,
        "SAXAUL_STREAM_URL": nats_url,
        "SAXAUL_STREAM_NAME": name,
        "SAXAUL_STREAM_SUBJECT": f"{name}.>",
        "SAXAUL_STREAM_DURABLE": f"{name}-ingest",
        "SAXAUL_STREAM_BATCH": str(BATCH),
        "SAXAUL_STREAM_ACK_WAIT_SECONDS": "2",
        "SAXAUL_STREAM_FETCH_WAIT_SECONDS": "0.2",
    }


def _events_file(tmp_path: Path, clean_db: str) -> tuple[Path, Path]:
    """Participants and an NDJSON events file with exact re-sends, conflicting re-sends,
    lines that are not JSON and rows that break the rules."""
    clean = bootstrap(Settings(database_url=clean_db))
    try:
        scored = methodology.scored_behaviours(clean)
    finally:
        clean.db.dispose()
    files = write_scenario(
        tmp_path / "data", users=300, events=4_000, days=1, seed=5, fmt="ndjson", behaviours=scored
    )
    people, events = files[0], files[1]
    rows = events.read_bytes().splitlines()
    conflicting = []
    for line in rows[:50]:
        row = json.loads(line)
        row["quantity"] = "7"
        conflicting.append(json.dumps(row).encode())
    bad = [b"not json at all", b'{"event_id": "x1", "source": "app"}', b"[1, 2]"]
    worse = [b"{broken", b'{"event_id": "x2", "source": "app", "user_id": "u"}', b"true"]
    # the last exact re-sends include the events the conflicting rows name: a batch holding a
    # conflicting row and, after it, an exact re-send of the same stored event refuses the
    # first and counts the second a duplicate (each row of a stored event is judged against
    # it), as the file import read as one chunk does, so batching changes no quarantine
    mixed = rows[:1500] + rows[100:300] + bad + rows[1500:] + conflicting + worse + rows[:100]
    path = tmp_path / "stream.ndjson"
    path.write_bytes(b"\n".join(mixed) + b"\n")
    return people, path


def _totals(url: str) -> dict[str, object]:
    engine = sa.create_engine(url)
    queries = {
        "statuses": "SELECT status, COUNT(*) FROM events GROUP BY status ORDER BY status",
        # grams, not rows: an award row gathers a user's energy per batch, so rows follow batching
        "awards": "SELECT COALESCE(SUM(energy_g), 0), COALESCE(SUM(avoided_mg), 0) FROM awards",
        "per_user": "SELECT user_id, SUM(energy_g) FROM awards GROUP BY user_id ORDER BY user_id",
        "quarantine": "SELECT COUNT(*) FROM quarantine",
    }
    try:
        with engine.connect() as conn:
            return {k: [tuple(r) for r in conn.execute(sa.text(q))] for k, q in queries.items()}
    finally:
        engine.dispose()


def _stored_events(url: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT COUNT(*) FROM events")).scalar() or 0)
    finally:
        engine.dispose()


def _saxaul(*args: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "saxaul", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )


def _published(
    nats_url: str, name: str, database_url: str, tmp_path: Path
) -> tuple[dict[str, str], str]:
    """The events file imported into a clean SQLite store (whose URL is returned), its
    participants into ``database_url``, its rows published on the stream; the environment."""
    clean_db = f"sqlite:///{tmp_path / 'clean.db'}"
    people, path = _events_file(tmp_path, clean_db)
    clean = bootstrap(Settings(database_url=clean_db))
    participants.import_participants(clean, people)
    imports.import_events(clean, path)
    clean.db.dispose()

    env = _env(nats_url, database_url, name)
    live = bootstrap(Settings(database_url=database_url))
    participants.import_participants(live, people)
    live.db.dispose()

    publisher = _saxaul(
        "events",
        "publish",
        str(path),
        "--subject",
        f"{name}.pay",
        "--per-message",
        str(PER_MESSAGE),
        env=env,
    )
    out, _ = publisher.communicate(timeout=120)
    assert publisher.returncode == 0
    assert json.loads(out)["published"] > 0
    return env, clean_db


def _drained_to_file_totals(env: dict[str, str], database_url: str, clean_db: str) -> None:
    final = _saxaul("ingest", "stream", "--until-idle", "--json", env=env)
    out, _ = final.communicate(timeout=180)
    assert final.returncode == 0
    assert json.loads(out)["lag"] == 0
    assert _totals(database_url) == _totals(clean_db)


@pytest.mark.slow
def test_killed_consumer_restarted_gives_file_import_totals(
    nats_url: str, stream_name: str, database_url: str, tmp_path: Path
) -> None:
    env, clean_db = _published(nats_url, stream_name, database_url, tmp_path)

    consumer = _saxaul("ingest", "stream", env=env)
    deadline = time.monotonic() + 60
    while _stored_events(database_url) < 1_000:
        assert consumer.poll() is None, "the consumer stopped before it was killed"
        assert time.monotonic() < deadline, "the consumer made no progress"
        time.sleep(0.02)
    consumer.send_signal(signal.SIGKILL)
    consumer.wait()
    assert _stored_events(database_url) < _stored_events(clean_db)

    _drained_to_file_totals(env, database_url, clean_db)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _stream_lock_held(database_url: str) -> bool:
    """Whether a server process holds the database's stream lock (``store.job_lock``)."""
    if database_url.startswith("sqlite"):
        fd = os.open(f"{database_url.removeprefix('sqlite:///')}.stream-lock", os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
        return False
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            return bool(
                conn.execute(
                    sa.text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                        " AND classid = :cls AND objid = (hashtext(current_schema())::bigint"
                        " & 4294967295)"
                    ),
                    {"cls": ADVISORY_CLASSES["stream"]},
                ).scalar_one()
            )
    finally:
        engine.dispose()


@pytest.mark.slow
def test_serve_consumes_the_stream_once_and_stops_without_loss(
    nats_url: str, stream_name: str, database_url: str, tmp_path: Path
) -> None:
    """Two server processes, one consumer (the stream lock's holder); stopped mid-stream
    (SIGTERM), then drained by ``saxaul ingest stream``: the file import's totals, quarantine
    included, so the server lost and repeated nothing."""
    env, clean_db = _published(nats_url, stream_name, database_url, tmp_path)
    env |= {
        "SAXAUL_SERVE_STREAM": "true",
        "SAXAUL_PORT": str(_free_port()),
        "SAXAUL_JOBS": "false",
        "SAXAUL_WEBHOOKS_INTERVAL_S": "0",
    }
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "saxaul", "serve", "--workers", "2"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 90
            while _stored_events(database_url) < 1_000:
                assert server.poll() is None, "the server stopped"
                assert time.monotonic() < deadline, "the server consumed nothing"
                time.sleep(0.02)
            assert _stream_lock_held(database_url)
        finally:
            server.terminate()
            server.wait(timeout=60)
    served = log_path.read_text()
    assert server.returncode == 0, served
    assert "Traceback" not in served
    assert not _stream_lock_held(database_url)

    _drained_to_file_totals(env, database_url, clean_db)


def _target(nats_url: str, name: str) -> StreamTarget:
    return StreamTarget.from_settings(
        Settings(
            stream_url=nats_url,
            stream_name=name,
            stream_subject=f"{name}.>",
            stream_durable=f"{name}-ingest",
            stream_batch=10,
            stream_ack_wait_seconds=1,
        )
    )


def _quarantine(url: str) -> list[tuple[object, ...]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT line, code FROM quarantine ORDER BY line"))
            return [tuple(row) for row in rows]
    finally:
        engine.dispose()


def test_a_batch_redelivered_after_its_commit_is_quarantined_once(
    nats_url: str, stream_name: str, runtime: Runtime
) -> None:
    """Committed, never acked (the consumer died between the two), delivered again by
    JetStream after its ack wait and fetched in smaller batches (other content hashes, so
    other imports): the bad lines keep one quarantine row each, at their message's sequence
    and their index in it."""
    target = _target(nats_url, stream_name)
    messages = [
        ride(1, "r"),
        b"not json",
        b"\n".join([ride(2, "r"), b"[1, 2]", ride(3, "r")]),
        ride(4, "r"),
    ]
    publish(target, f"{stream_name}.pay", (FileMessage(data, None) for data in messages))
    limits = stream_limits(Settings(stream_fetch_wait_seconds=0.2), batch=2)
    quarantine_id = stream_quarantine(runtime, stream_name)
    with JetStreamSource.open(target) as source:
        first = source.fetch(10, 1.0)
        assert [m.deliveries for m in first] == [1, 1, 1, 1]
        import_event_messages(
            runtime, first, quarantine_id=quarantine_id, max_message_bytes=65536
        )  # and no ack
    with JetStreamSource.open(target) as source:  # fetching 2 at a time: other batches
        stats = consume(runtime, source, limits, until_idle=True)
    assert stats.batches == 2
    assert stats.new_events == 0 and stats.rejected == 0
    assert _quarantine(runtime.db.url) == [
        (message_key(2), "malformed_row"),
        (message_key(3, 1), "malformed_row"),
    ]


def test_a_message_whose_import_keeps_failing_is_dead_lettered_and_terminated(
    nats_url: str, stream_name: str, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = _target(nats_url, stream_name)
    poison = ride(2, "r")
    publish(target, f"{stream_name}.pay", (FileMessage(ride(n, "r"), None) for n in range(1, 5)))
    real = stream_ingest.import_event_messages

    def fault(rt: Runtime, messages: list[StreamMessage], **kwargs: int) -> object:
        if any(message.data == poison for message in messages):
            raise RuntimeError("injected fault")
        return real(rt, messages, **kwargs)

    monkeypatch.setattr(stream_ingest, "import_event_messages", fault)
    limits = stream_limits(Settings(stream_fetch_wait_seconds=0.2, stream_max_deliver=2))
    with JetStreamSource.open(target) as source:
        stats = consume(runtime, source, limits, until_idle=True)
        assert source.lag() == 0  # terminated: JetStream will not deliver it again
    assert stats.new_events == 3
    assert stats.dead_letters == 1
    assert _quarantine(runtime.db.url) == [(message_key(2), "dead_letter")]
