"""Where webhook deliveries may go: public addresses only, whatever form an address is written
in, with the sandbox's loopback exemption and the operator's allowed networks."""

from __future__ import annotations

import ipaddress

import pytest
from pydantic import ValidationError

from saxaul.config import Settings
from saxaul.domain.partners import Mode
from saxaul.domain.webhooks import Reach, WebhookRefused, check_url

REFUSED = {
    "127.0.0.1": "loopback",
    "127.255.0.9": "loopback",
    "::1": "loopback",
    "0.0.0.0": "unspecified",
    "::": "unspecified",
    "10.1.2.3": "private",
    "172.16.0.1": "private",
    "172.31.255.254": "private",
    "192.168.1.1": "private",
    "fc00::1": "private",
    "fd12:3456::1": "private",
    "169.254.169.254": "link-local",
    "169.254.0.1": "link-local",
    "fe80::1": "link-local",
    "100.64.0.1": "carrier-grade NAT",
    "100.127.255.254": "carrier-grade NAT",
    "224.0.0.1": "multicast",
    "239.1.2.3": "multicast",
    "224.0.1.1": "multicast",
    "ff02::1": "multicast",
    "ff0e::1": "multicast",
    "fec0::1": "site-local",
    "64:ff9b:1::a00:1": "special-purpose",  # local-use NAT64
    "192.0.2.7": "special-purpose",  # documentation (TEST-NET-1)
    "198.51.100.7": "special-purpose",
    "203.0.113.7": "special-purpose",
    "2001:db8::1": "special-purpose",
    "198.18.0.1": "special-purpose",  # benchmarking
    "192.0.0.8": "special-purpose",  # IETF protocol assignments
    "0.1.2.3": "special-purpose",  # "this network"
    "240.0.0.1": "special-purpose",  # reserved for future use
    "255.255.255.255": "special-purpose",
    "2001::1": "special-purpose",  # Teredo
    "::7f00:1": "special-purpose",  # IPv4-compatible 127.0.0.1
    "::ffff:0:7f00:1": "special-purpose",  # SIIT 127.0.0.1
    # forms that carry an IPv4 address: judged by the address they reach
    "::ffff:127.0.0.1": "loopback",
    "::ffff:7f00:1": "loopback",
    "::ffff:169.254.169.254": "link-local",
    "::ffff:10.0.0.1": "private",
    "64:ff9b::10.0.0.1": "private",
    "64:ff9b::169.254.169.254": "link-local",
    "2002:a00:1::1": "private",  # 6to4 of 10.0.0.1
    "2002:7f00:1::1": "loopback",
}
PUBLIC = ["8.8.8.8", "1.1.1.1", "93.184.215.14", "2606:4700::1111", "::ffff:8.8.8.8"]


@pytest.mark.parametrize(("address", "kind"), REFUSED.items())
def test_a_non_public_address_is_refused_saying_what_it_is(address: str, kind: str) -> None:
    why = Reach().refusal(ipaddress.ip_address(address))
    assert why is not None and kind in why


@pytest.mark.parametrize("address", PUBLIC)
def test_a_public_address_may_be_reached(address: str) -> None:
    assert Reach().refusal(ipaddress.ip_address(address)) is None


def test_a_sandbox_may_reach_loopback_only_and_live_not_even_that() -> None:
    sandbox, live = Reach.of(Mode.SANDBOX), Reach.of(Mode.LIVE)
    for address in ("127.0.0.1", "::1", "::ffff:127.0.0.1"):
        assert sandbox.refusal(ipaddress.ip_address(address)) is None
        assert live.refusal(ipaddress.ip_address(address)) is not None
    for address in ("10.0.0.1", "169.254.169.254", "0.0.0.0"):
        assert sandbox.refusal(ipaddress.ip_address(address)) is not None


def test_the_operator_allows_its_own_networks_and_nothing_more() -> None:
    reach = Reach.of(Mode.LIVE, (ipaddress.ip_network("10.20.0.0/16"),))
    assert reach.refusal(ipaddress.ip_address("10.20.3.4")) is None
    assert reach.refusal(ipaddress.ip_address("::ffff:10.20.3.4")) is None
    assert reach.refusal(ipaddress.ip_address("10.21.0.1")) is not None
    assert reach.refusal(ipaddress.ip_address("127.0.0.1")) is not None


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hooks",
        "https://[::1]/hooks",
        "https://[::ffff:127.0.0.1]/hooks",
        "https://[::ffff:7f00:1]/hooks",
        "https://0.0.0.0/hooks",
        "https://169.254.169.254/latest/meta-data/",
        "https://[fe80::1%25eth0]/hooks",
        "https://10.0.0.1:8443/hooks",
        "https://[64:ff9b::a9fe:a9fe]/",
    ],
)
def test_registering_a_literal_non_public_address_is_refused(url: str) -> None:
    with pytest.raises(WebhookRefused) as refused:
        check_url(url, Mode.LIVE)
    assert refused.value.code == "webhook_address_refused"
    assert refused.value.fields["field"] == "url"


@pytest.mark.parametrize(
    "host",
    ["2130706433", "0x7f.1", "0x7f000001", "0177.0.0.1", "127.1", "127.0.1", "10.0.0.010"],
)
def test_an_ipv4_address_in_an_unusual_form_is_refused(host: str) -> None:
    """Resolvers read these as 127.0.0.1 or 10.0.0.8 (``inet_aton``)."""
    with pytest.raises(WebhookRefused) as refused:
        check_url(f"https://{host}/hooks", Mode.SANDBOX)
    assert refused.value.code == "invalid_webhook_url"
    assert "unusual form" in refused.value.detail


def test_public_addresses_and_names_pass_the_url_check() -> None:
    for url in ("https://8.8.8.8/h", "https://[2606:4700::1111]/h", "https://hooks.example/h"):
        assert check_url(url, Mode.LIVE) == url
    assert check_url("http://127.0.0.1:9/h", Mode.SANDBOX) == "http://127.0.0.1:9/h"
    assert check_url("https://localhost:9/h", Mode.SANDBOX) == "https://localhost:9/h"
    allowed = (ipaddress.ip_network("10.20.0.0/16"),)
    assert check_url("https://10.20.0.5/h", Mode.LIVE, allowed) == "https://10.20.0.5/h"


@pytest.mark.parametrize("url", ["https://hooks.example:0/", "https://hooks.example:99999/"])
def test_a_port_out_of_range_is_refused(url: str) -> None:
    with pytest.raises(WebhookRefused):
        check_url(url, Mode.LIVE)


def test_the_allowed_networks_setting_is_read_and_checked() -> None:
    policy = Settings(webhooks_allowed_networks="10.20.0.0/16, fd00:1::/64").webhook_policy()
    assert policy.allowed_networks == (
        ipaddress.ip_network("10.20.0.0/16"),
        ipaddress.ip_network("fd00:1::/64"),
    )
    assert Settings().webhook_policy().allowed_networks == ()
    with pytest.raises(ValidationError, match="CIDR"):
        Settings(webhooks_allowed_networks="10.20.0.1/16")
