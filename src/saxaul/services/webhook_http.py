"""One webhook POST over the standard library's HTTP client, to a vetted address: a status code
or what went wrong.

Why ``http.client`` and not an HTTP client library: httpx is only a development dependency (the
tests' client), and one POST with a timeout needs nothing more. Redirects are not followed
(``http.client`` never follows one): a receiver that answers 3xx has failed the attempt (a
redirect could send a signed event somewhere the partner never registered, or inside the
operator's network).

Why the address is resolved here, once, and connected to as resolved: the URL was checked when
it was registered, but what a name resolves to can change at any time (DNS rebinding: a name
that answered a public address then answers 127.0.0.1). So every attempt resolves the host,
refuses it if any address it has may not be reached (``domain.webhooks.Reach``), and opens the
connection to those addresses, never resolving again; TLS still verifies the certificate
against the host name (it is the SNI and the name checked). Environment proxies
(``HTTPS_PROXY``) are not used: a proxy would reach an address nobody vetted.

Example: ``post("https://hooks.example/saxaul", b"{…}", {"Saxaul-Signature": "t=…"}, 10.0,
Reach())`` → ``Answer(status_code=200, error=None)``; a refused connection → ``Answer(None,
"connection refused")``; a name resolving to 10.0.0.5 → ``Answer(None, "deliveries may not go to
… a private address …")``.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from saxaul.domain.webhooks import Address, Reach, WebhookRefused

MAX_READ = 64 * 1024
"""Bytes of a receiver's answer read (and discarded): enough to end the exchange cleanly."""
MAX_ERROR = 300


@dataclass(frozen=True, slots=True)
class Answer:
    """What the receiver answered: a status code, or an error if it answered nothing usable."""

    status_code: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        """Whether the receiver acknowledged the delivery (any 2xx)."""
        return self.status_code is not None and 200 <= self.status_code < 300


def resolve(host: str, port: int) -> list[Address]:
    """Every address ``host`` has now, in the resolver's order of preference (tests replace
    this to make a name resolve anywhere)."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in found))


def destinations(url: str, reach: Reach) -> list[Address]:
    """The addresses a delivery to ``url`` connects to: what its host names or resolves to now.

    Raises ``WebhookRefused`` if any of them may not be reached (a name with one private
    address among public ones is refused whole: which one a client picks is not ours to
    know), and ``OSError`` if the name does not resolve.
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        addresses = resolve(host, _port(parts.scheme, parts.port))
    for address in addresses:
        reach.check(host, address)
    return addresses


def post(
    url: str, body: bytes, headers: Mapping[str, str], timeout_s: float, reach: Reach
) -> Answer:
    """POST ``body`` to ``url`` if ``reach`` lets it go where the host leads now; never raises
    for anything the network, the resolver or the receiver does."""
    parts = urlsplit(url)
    try:
        addresses = destinations(url, reach)
    except WebhookRefused as exc:
        return Answer(None, exc.detail[:MAX_ERROR])
    except (OSError, ValueError) as exc:
        return Answer(None, f"{parts.hostname} does not resolve: {_describe(exc, timeout_s)}")
    host, port = parts.hostname or "", _port(parts.scheme, parts.port)
    connection: http.client.HTTPConnection = (
        _PinnedHTTPS(host, port, addresses, timeout_s)
        if parts.scheme == "https"
        else _PinnedHTTP(host, port, addresses, timeout_s)
    )
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", target, body=body, headers=dict(headers))
        response = connection.getresponse()
        response.read(MAX_READ)
        return Answer(response.status, None)
    except (OSError, http.client.HTTPException) as exc:
        return Answer(None, _describe(exc, timeout_s))
    finally:
        connection.close()


def _port(scheme: str, port: int | None) -> int:
    if port is not None:
        return port
    return http.client.HTTPS_PORT if scheme == "https" else http.client.HTTP_PORT


def _connect(addresses: list[Address], port: int, timeout_s: float | None) -> socket.socket:
    """A TCP connection to the first of ``addresses`` that accepts one."""
    failure: OSError = OSError("no address to connect to")
    for address in addresses:
        try:
            return socket.create_connection((str(address), port), timeout_s)
        except OSError as exc:
            failure = exc
    raise failure


class _PinnedHTTP(http.client.HTTPConnection):
    """Plain HTTP to vetted addresses (a sandbox key's receiver on this machine)."""

    def __init__(self, host: str, port: int, addresses: list[Address], timeout_s: float):
        super().__init__(host, port, timeout=timeout_s)
        self._addresses = addresses

    def connect(self) -> None:
        self.sock = _connect(self._addresses, self.port, self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to vetted addresses, the certificate checked against the host name.

    The context is made per connection, so it reads the trusted certificates
    (``SSL_CERT_FILE``) as they are when the attempt is made."""

    def __init__(self, host: str, port: int, addresses: list[Address], timeout_s: float):
        self._tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout_s, context=self._tls)
        self._addresses = addresses

    def connect(self) -> None:
        raw = _connect(self._addresses, self.port, self.timeout)
        try:
            self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)
        except BaseException:
            raw.close()
            raise


def _describe(reason: BaseException, timeout_s: float) -> str:
    if isinstance(reason, TimeoutError | socket.timeout):
        return f"no answer within {timeout_s:g} s"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    return f"{type(reason).__name__}: {reason}".rstrip(": ")[:MAX_ERROR]
