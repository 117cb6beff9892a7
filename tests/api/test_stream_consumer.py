"""The server's stream consumer (``SAXAUL_SERVE_STREAM``), on both stores, against a stand-in
for the stream: the app consumes while it serves, only in the process holding the stream lock,
its work on ``/metrics``, and it stops cleanly with the app (every batch it took acked)."""

from __future__ import annotations

import time
from collections.abc import Callable

from fastapi.testclient import TestClient

from saxaul.api.app import create_app
from saxaul.config import Settings
from saxaul.services.runtime import Runtime
from saxaul.store.job_lock import job_lock
from tests.integration.fake_stream import FakeStream, stored
from tests.stream_rides import ride

from .conftest import BOTH_STORES


def _until(done: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 20
    while not done():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def _serving(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"stream_batch": 3, "stream_fetch_wait_seconds": 0.01, "stream_retry_seconds": 0.05}
    )


@BOTH_STORES
def test_the_server_consumes_the_stream_and_counts_it_on_metrics(
    settings: Settings, rt: Runtime, auth: dict[str, str]
) -> None:
    messages = [ride(n, "s") for n in range(7)] + [b"not json"]
    stream = FakeStream.of(rt, messages)
    app = create_app(_serving(settings), runtime=rt, stream_source=stream.opened)
    with TestClient(app) as client:
        _until(lambda: stream.lag() == 0, "the server did not drain the stream")
        text = client.get("/metrics", headers=auth).text
    assert "saxaul_stream_messages_total 8.0" in text
    assert "saxaul_stream_events_new_total 7.0" in text
    assert "saxaul_stream_events_rejected_total 1.0" in text
    assert "saxaul_stream_dead_letters_total 0.0" in text
    assert "saxaul_stream_lag_messages 0.0" in text
    assert sorted(stream.acked) == sorted(messages)
    assert stored(rt) == (7, 1)


@BOTH_STORES
def test_only_the_holder_of_the_stream_lock_consumes(
    settings: Settings, rt: Runtime, auth: dict[str, str]
) -> None:
    stream = FakeStream.of(rt, [ride(n, "s") for n in range(4)])
    other_server = job_lock(rt.db, "stream")
    assert other_server.acquire()
    app = create_app(_serving(settings), runtime=rt, stream_source=stream.opened)
    try:
        with TestClient(app) as client:
            time.sleep(0.3)  # several checks of the lock
            assert stream.lag() == 4 and stream.acked == []
            assert "saxaul_stream" not in client.get("/metrics", headers=auth).text
            other_server.release()  # the holder stops: this server takes over
            _until(lambda: stream.lag() == 0, "the server did not take the stream over")
    finally:
        other_server.release()
    assert stored(rt) == (4, 0)


@BOTH_STORES
def test_stopping_the_server_mid_stream_acks_every_batch_it_committed(
    settings: Settings, rt: Runtime
) -> None:
    stream = FakeStream.of(rt, [ride(n, "s") for n in range(300)])
    app = create_app(_serving(settings), runtime=rt, stream_source=stream.opened)
    with TestClient(app):
        _until(lambda: len(stream.acked) >= 6, "the server consumed nothing")
    left = stream.lag()
    assert 0 < left < 300, "stopped mid-stream"
    assert stream.held == []  # the batch in hand was committed and acked before stopping
    assert stored(rt) == (len(stream.acked), 0)
