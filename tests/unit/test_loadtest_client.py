"""The load test's raw HTTP/1.1 client against a tiny server that frames answers every way."""

from __future__ import annotations

import asyncio
import json

import pytest

from saxaul.loadtest.client import Connection, ProtocolError, encode_request


class TinyServer:
    """Answers each request by its path; counts the connections it accepted."""

    def __init__(self) -> None:
        self.connections = 0
        self.seen: list[tuple[bytes, dict[bytes, bytes], bytes]] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *lines = head[:-4].split(b"\r\n")
                headers = {
                    name.strip().lower(): value.strip()
                    for name, _, value in (line.partition(b":") for line in lines)
                }
                body = await reader.readexactly(int(headers.get(b"content-length", b"0")))
                path = request_line.split(b" ")[1]
                self.seen.append((request_line, headers, body))
                writer.write(self.answer(path, body))
                await writer.drain()
                if path == b"/close":
                    break
        except asyncio.IncompleteReadError:
            pass
        finally:
            writer.close()

    @staticmethod
    def answer(path: bytes, body: bytes) -> bytes:
        if path == b"/chunked":
            return (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                b"5\r\nhello\r\n6;x=1\r\n world\r\n0\r\n\r\n"
            )
        if path == b"/close":
            return b"HTTP/1.1 409 Conflict\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}"
        if path == b"/continue":
            return b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"
        if path == b"/garbage":
            return b"SMTP ready\r\n\r\n"
        echo = json.dumps({"path": path.decode(), "body": body.decode()}).encode()
        return b"HTTP/1.1 201 Created\r\nContent-Length: %d\r\n\r\n%s" % (len(echo), echo)


async def _talk(paths: list[str]) -> tuple[TinyServer, list[tuple[int, bytes]]]:
    tiny = TinyServer()
    server = await asyncio.start_server(tiny.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    answers = []
    async with server, Connection("127.0.0.1", port, timeout_s=5) as conn:
        await conn.open()
        for path in paths:
            body = b'{"amount_g": 18}' if path == "/echo" else None
            headers = {"Idempotency-Key": "k-1"}
            answer = await conn.send(encode_request("POST", path, f"h:{port}", headers, body))
            answers.append((answer.status, answer.body))
    return tiny, answers


def test_keep_alive_content_length_and_chunked_bodies_on_one_connection() -> None:
    tiny, answers = asyncio.run(_talk(["/echo", "/chunked", "/continue", "/echo"]))

    assert answers[0] == (201, b'{"path": "/echo", "body": "{\\"amount_g\\": 18}"}')
    assert answers[1] == (200, b"hello world")
    assert answers[2] == (204, b"")
    assert answers[3][0] == 201
    assert tiny.connections == 1, "one keep-alive connection for every request"
    request_line, headers, body = tiny.seen[0]
    assert request_line == b"POST /echo HTTP/1.1"
    assert headers[b"idempotency-key"] == b"k-1"
    assert headers[b"content-type"] == b"application/json"
    assert headers[b"content-length"] == b"16" and body == b'{"amount_g": 18}'
    assert tiny.seen[1][1][b"content-length"] == b"0", "a POST without a body says so"


def test_a_closed_connection_is_opened_again_for_the_next_request() -> None:
    tiny, answers = asyncio.run(_talk(["/close", "/echo"]))

    assert answers == [(409, b"{}"), (201, b'{"path": "/echo", "body": "{\\"amount_g\\": 18}"}')]
    assert tiny.connections == 2


def test_an_answer_that_is_not_http_is_an_error_not_a_status() -> None:
    with pytest.raises(ProtocolError):
        asyncio.run(_talk(["/garbage"]))
