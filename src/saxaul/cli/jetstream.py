"""NATS JetStream for the stream commands: a durable pull consumer and a publisher.

Why here and not in ``services``: services know no framework or transport, so the loop
(``services.stream_ingest.consume``) asks only for a ``BatchSource``; this adapter is the one
place that speaks NATS. nats-py is asyncio; the commands are synchronous, so each adapter
drives its own event loop, one call at a time.

Why the pull is JetStream's own API (a request to ``$JS.API.CONSUMER.MSG.NEXT.<stream>.
<consumer>`` answered on an inbox) and not nats-py's ``fetch``: ``fetch`` awaits each
message of a batch with a timer of its own, about 0.3 ms a message in Python, a third of a
1,000-message batch's time; here one callback appends each message to the batch and one
timer bounds the whole fetch.

Example: ``with JetStreamSource.open(StreamTarget.from_settings(settings)) as source:
consume(rt, source, limits)``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import DEFAULT_SUB_PENDING_BYTES_LIMIT, Subscription
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StatusCode, StreamConfig
from nats.js.errors import NotFoundError

from saxaul.config import Settings
from saxaul.services.stream_ingest import FileMessage, StreamMessage

MSG_ID_HEADER = "Nats-Msg-Id"
"""JetStream drops a message whose id it has seen within the stream's duplicate window."""
PULL_SUBJECT = "$JS.API.CONSUMER.MSG.NEXT.{stream}.{consumer}"
"""Where a pull request for a durable consumer's next messages goes (JetStream's API)."""
END_OF_PULL = frozenset(
    code.value for code in (StatusCode.NO_MESSAGES, StatusCode.REQUEST_TIMEOUT, StatusCode.CONFLICT)
)
"""Statuses that end a pull request: nothing more now, its ``expires`` passed, or the server
cut it short (e.g. the consumer was changed); whatever came before them is the batch."""
EXPIRES_MARGIN_SECONDS = 0.05
"""The server ends a pull this much before the fetch stops waiting, so its end is heard."""


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
    max_message_bytes: int
    """A full batch of the largest messages must fit the inbox's pending limit, or nats-py
    would drop messages as a slow consumer (they come back only after the ack wait)."""

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
            max_message_bytes=settings.stream_max_message_bytes,
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

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        nc: Client,
        js: JetStreamContext,
        target: StreamTarget,
    ) -> None:
        self._loop = loop
        self._nc = nc
        self._js = js
        self._target = target
        self._inbox = nc.new_inbox()
        self._pull = PULL_SUBJECT.format(stream=target.stream, consumer=target.durable)
        self._arrived: list[Msg] = []
        self._ended = asyncio.Event()
        self._wanted = 0
        self._held: dict[int, Msg] = {}

    @classmethod
    @contextmanager
    def open(cls, target: StreamTarget) -> Iterator[JetStreamSource]:
        """Connect, create the stream and the consumer if absent (or update the consumer's
        ``ack_wait`` and ``max_ack_pending`` if present), and close on leaving.

        No ``max_deliver`` on the consumer: the loop sets a failing message aside itself at
        ``SAXAUL_STREAM_MAX_DELIVER`` (quarantined, then terminated); JetStream's own limit
        would only stop delivering it, leaving no trace in the store. ``max_ack_pending`` is
        the batch: the server never has more out than one fetch takes."""
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
            try:
                loop.run_until_complete(js.add_consumer(target.stream, config))
                source = cls(loop, nc, js, target)
                loop.run_until_complete(source._subscribe())
                yield source
            finally:
                loop.run_until_complete(nc.close())
        finally:
            loop.close()

    async def _subscribe(self) -> Subscription:
        limit = max(
            DEFAULT_SUB_PENDING_BYTES_LIMIT, 2 * self._target.batch * self._target.max_message_bytes
        )
        return await self._nc.subscribe(
            self._inbox,
            cb=self._arrive,
            pending_msgs_limit=max(2 * self._target.batch, 65_536),
            pending_bytes_limit=limit,
        )

    async def _arrive(self, msg: Msg) -> None:
        """One message on the inbox: a message of the batch, or the status ending a pull."""
        status = JetStreamContext.is_status_msg(msg)
        if status is None:
            self._arrived.append(msg)
            if len(self._arrived) >= self._wanted:
                self._ended.set()
        elif status in END_OF_PULL:
            self._ended.set()
        # heartbeats and other statuses: nothing to do (none are asked for)

    @property
    def stream(self) -> str:
        """The stream's name."""
        return self._target.stream

    def fetch(self, size: int, wait_seconds: float) -> list[StreamMessage]:
        """Up to ``size`` messages, waiting at most ``wait_seconds`` for a full batch, with
        their stream sequence and delivery count; the ones held are those ``ack`` and
        ``terminate`` can answer. A message of an earlier pull that came after its fetch
        returned is in this batch (it was delivered, so it is held)."""
        fetched = self._loop.run_until_complete(self._fetch(size, wait_seconds))
        messages = []
        self._held = {}
        for msg in fetched:
            meta = msg.metadata
            self._held[meta.sequence.stream] = msg
            messages.append(StreamMessage(msg.data, meta.sequence.stream, meta.num_delivered))
        return messages

    async def _fetch(self, size: int, wait_seconds: float) -> list[Msg]:
        needed = size - len(self._arrived)
        if needed > 0:
            self._wanted = size
            self._ended.clear()
            expires = max(wait_seconds - EXPIRES_MARGIN_SECONDS, EXPIRES_MARGIN_SECONDS)
            request = {"batch": needed, "expires": int(expires * 1_000_000_000)}
            await self._nc.publish(self._pull, json.dumps(request).encode(), reply=self._inbox)
            with suppress(TimeoutError):  # the server's end was not heard: what came is the batch
                await asyncio.wait_for(self._ended.wait(), wait_seconds)
        fetched, self._arrived = self._arrived[:size], self._arrived[size:]
        return fetched

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
        info = self._loop.run_until_complete(
            self._js.consumer_info(self._target.stream, self._target.durable)
        )
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
