"""NATS JetStream for the stream commands: a durable pull consumer and a publisher.

Why here and not in ``services``: services know no framework or transport, so the loop
(``services.stream_ingest.consume``) asks only for a ``BatchSource``; this adapter is the one
place that speaks NATS. nats-py is asyncio; the commands are synchronous, so each adapter
drives its own event loop, one call at a time.

Example: ``with JetStreamSource.open(StreamTarget.from_settings(settings)) as source:
consume(rt, source, limits)``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import TimeoutError as FetchTimeout
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StreamConfig
from nats.js.errors import NotFoundError

from saxaul.config import Settings
from saxaul.services.stream_ingest import FileMessage, StreamMessage

MSG_ID_HEADER = "Nats-Msg-Id"
"""JetStream drops a message whose id it has seen within the stream's duplicate window."""


@dataclass(frozen=True, slots=True)
class StreamTarget:
    """Which stream, subjects and consumer the commands use."""

    url: str
    stream: str
    subject: str
    durable: str
    batch: int
    """The most messages one fetch asks for: the consumer's ``max_ack_pending`` is at least
    this, or a fetch would stop at JetStream's default of 1,000 unacknowledged and wait."""
    ack_wait_seconds: float
    duplicate_window_seconds: float

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        stream: str | None = None,
        subject: str | None = None,
        durable: str | None = None,
        batch: int | None = None,
    ) -> StreamTarget:
        """The settings, with what the command line overrides."""
        return cls(
            url=settings.stream_url,
            stream=stream or settings.stream_name,
            subject=subject or settings.stream_subject,
            durable=durable or settings.stream_durable,
            batch=batch or settings.stream_batch,
            ack_wait_seconds=settings.stream_ack_wait_seconds,
            duplicate_window_seconds=settings.stream_duplicate_window_seconds,
        )


async def _connect(target: StreamTarget) -> tuple[Client, JetStreamContext]:
    """Connect and make sure the stream exists (file storage, the duplicate window set)."""
    nc = await nats.connect(target.url, connect_timeout=5, max_reconnect_attempts=3)
    js = nc.jetstream()
    try:
        await js.stream_info(target.stream)
    except NotFoundError:
        await js.add_stream(
            StreamConfig(
                name=target.stream,
                subjects=[target.subject],
                duplicate_window=target.duplicate_window_seconds,
            )
        )
    return nc, js


class JetStreamSource:
    """A durable pull consumer (explicit acks) as a ``BatchSource``."""

    def __init__(self, loop: asyncio.AbstractEventLoop, nc: Client, sub: Any, stream: str) -> None:
        self._loop = loop
        self._nc = nc
        self._sub = sub
        self._stream = stream
        self._held: dict[int, Msg] = {}

    @classmethod
    @contextmanager
    def open(cls, target: StreamTarget) -> Iterator[JetStreamSource]:
        """Connect, create the stream and the consumer if absent (or update the consumer's
        ``ack_wait`` and ``max_ack_pending`` if present), and close on leaving.

        No ``max_deliver`` on the consumer: the loop sets a failing message aside itself at
        ``SAXAUL_STREAM_MAX_DELIVER`` (quarantined, then terminated); JetStream's own limit
        would only stop delivering it, leaving no trace in the store."""
        loop = asyncio.new_event_loop()
        try:
            nc, js = loop.run_until_complete(_connect(target))
            config = ConsumerConfig(
                durable_name=target.durable,
                ack_policy=AckPolicy.EXPLICIT,
                deliver_policy=DeliverPolicy.ALL,
                ack_wait=target.ack_wait_seconds,
                max_ack_pending=target.batch,
                filter_subject=target.subject,
            )
            loop.run_until_complete(js.add_consumer(target.stream, config))
            sub = loop.run_until_complete(
                js.pull_subscribe_bind(durable=target.durable, stream=target.stream)
            )
            try:
                yield cls(loop, nc, sub, target.stream)
            finally:
                loop.run_until_complete(nc.close())
        finally:
            loop.close()

    @property
    def stream(self) -> str:
        """The stream's name."""
        return self._stream

    def fetch(self, size: int, wait_seconds: float) -> list[StreamMessage]:
        """Up to ``size`` messages, with their stream sequence and delivery count; the ones
        held are those ``ack`` and ``terminate`` can answer."""
        try:
            fetched = self._loop.run_until_complete(self._sub.fetch(size, wait_seconds))
        except (TimeoutError, FetchTimeout):  # nats-py raises either when none came
            fetched = []
        messages = []
        self._held = {}
        for msg in fetched:
            meta = msg.metadata
            self._held[meta.sequence.stream] = msg
            messages.append(StreamMessage(msg.data, meta.sequence.stream, meta.num_delivered))
        return messages

    def ack(self, messages: Sequence[StreamMessage]) -> None:
        """Acknowledge these held messages and wait until the server has them all."""
        self._answer(messages, Msg.ack)

    def terminate(self, messages: Sequence[StreamMessage]) -> None:
        """Terminate these held messages (``AckTerm``: never delivered again)."""
        self._answer(messages, Msg.term)

    def _answer(
        self, messages: Sequence[StreamMessage], how: Callable[[Msg], Awaitable[None]]
    ) -> None:
        async def answer_all() -> None:
            for message in messages:
                await how(self._held.pop(message.sequence))
            await self._nc.flush()

        self._loop.run_until_complete(answer_all())

    def lag(self) -> int:
        """The consumer's ``num_pending`` (not yet delivered) plus ``num_ack_pending``."""
        info = self._loop.run_until_complete(self._sub.consumer_info())
        return int(info.num_pending or 0) + int(info.num_ack_pending or 0)


def publish(target: StreamTarget, subject: str, messages: Iterable[FileMessage]) -> int:
    """Publish each message, waiting for the stream's acknowledgement; how many were new
    (the stream reports a message id it has already seen as a duplicate)."""

    async def run() -> int:
        nc, js = await _connect(target)
        stored = 0
        try:
            for message in messages:
                headers = {MSG_ID_HEADER: message.msg_id} if message.msg_id else None
                ack = await js.publish(subject, message.data, headers=headers)
                stored += 0 if ack.duplicate else 1
        finally:
            await nc.close()
        return stored

    return asyncio.run(run())
