"""A cheap HTTP/1.1 client for load: asyncio streams, one keep-alive connection per client.

Why not httpx or a thread per client: the server, PostgreSQL and the load share two cores, so
every microsecond the client spends is taken from what it measures. A request here is one
pre-encoded ``bytes`` write and a read of the status line, headers and a ``Content-Length``
(or chunked) body; only the few callers that need a body parse it. Hundreds of clients run in
one thread on one event loop.

Example::

    async with Connection("127.0.0.1", 8000) as conn:
        answer = await conn.send(encode_request("GET", "/healthz", "127.0.0.1:8000"))
        assert answer.status == 200
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType

MAX_HEAD_BYTES = 64 * 1024
"""A response head longer than this is a broken server, not a big answer."""


class ProtocolError(RuntimeError):
    """The server's answer is not HTTP/1.1 this client can read."""


@dataclass(frozen=True, slots=True)
class Answer:
    """A response's status and body (the headers are read for framing only)."""

    status: int
    body: bytes


def encode_request(
    method: str,
    path: str,
    host: str,
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
) -> bytes:
    """One request, ready to write: a ``Content-Length`` body (or none) and keep-alive."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    elif method in ("POST", "PUT", "PATCH"):
        lines.append("Content-Length: 0")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


class Connection:
    """One keep-alive connection; reopened when the server closes it or a request fails."""

    def __init__(self, host: str, port: int, timeout_s: float = 60.0) -> None:
        self._host = host
        self._port = port
        self._timeout_s = timeout_s
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def __aenter__(self) -> Connection:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.close()

    async def open(self) -> None:
        """Connect now (a load opens its connections before its clock starts)."""
        if self._writer is None:
            async with asyncio.timeout(self._timeout_s):
                self._reader, self._writer = await asyncio.open_connection(self._host, self._port)

    async def send(self, request: bytes) -> Answer:
        """Write ``request`` and read its answer; any failure closes the connection and raises."""
        try:
            async with asyncio.timeout(self._timeout_s):
                await self.open()
                reader, writer = self._streams()
                writer.write(request)
                answer, keep = await _read_answer(reader)
        except BaseException:
            await self.close()
            raise
        if not keep:
            await self.close()
        return answer

    def _streams(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None:
            raise ProtocolError("the connection is not open")
        return self._reader, self._writer

    async def close(self) -> None:
        """Close the connection if open (the next ``send`` opens a new one)."""
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()


async def _read_answer(reader: asyncio.StreamReader) -> tuple[Answer, bool]:
    """The next answer on the stream, and whether the connection stays open after it."""
    while True:
        head = await reader.readuntil(b"\r\n\r\n")
        if len(head) > MAX_HEAD_BYTES:
            raise ProtocolError("response head too long")
        status_line, *header_lines = head[:-4].split(b"\r\n")
        parts = status_line.split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
            raise ProtocolError(f"not an HTTP/1.x status line: {status_line[:80]!r}")
        status = int(parts[1])
        if status >= 200:
            break  # 1xx answers (100 Continue) precede the real one
    length: int | None = None
    chunked = False
    keep = parts[0] == b"HTTP/1.1"
    for line in header_lines:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif name == b"connection":
            keep = value.strip().lower() != b"close"
    if chunked:
        body = await _read_chunked(reader)
    elif length is not None:
        body = await reader.readexactly(length)
    elif status in (204, 304):
        body = b""
    else:
        body, keep = await reader.read(), False  # framed by the end of the connection
    return Answer(status, body), keep


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0], 16)
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":
                pass  # trailers
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)
