"""The download policy at its validation layer: URLs and resolved addresses are checked
before anything connects. Private, link-local and other non-public addresses are only ever
handed to the checks here: no request goes out to them (tests talk to loopback only)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio
from aiohttp.abc import AbstractResolver, ResolveResult

from bot.audio import AddressRefused, DownloadPolicy, DownloadRefused, GuardedResolver
from tests.helpers.loopback import recording_server

CDN = DownloadPolicy(frozenset({"cdn.discordapp.com", "media.discordapp.net"}))
NON_PUBLIC = [
    "10.0.0.5",  # private
    "172.16.3.4",
    "192.168.1.1",
    "100.64.0.1",  # carrier-grade NAT (shared)
    "127.0.0.1",  # loopback
    "169.254.169.254",  # link-local: the cloud metadata service
    "0.0.0.0",
    "224.0.0.1",  # multicast
    "::1",
    "fe80::1",  # IPv6 link-local
    "fc00::1",  # IPv6 unique local
    "::ffff:10.0.0.1",  # IPv4-mapped private
    "::ffff:127.0.0.1",
]


class StubResolver(AbstractResolver):
    """Answers from a table, as a DNS server an attacker controls might."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.asked: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.asked.append(host)
        return [
            ResolveResult(hostname=host, host=address, port=port, family=family, proto=0, flags=0)
            for address in self.table[host]
        ]

    async def close(self) -> None:
        return None


@pytest.mark.parametrize("address", NON_PUBLIC)
def test_non_public_addresses_are_refused(address: str) -> None:
    with pytest.raises(AddressRefused):
        CDN.check_address(address)


@pytest.mark.parametrize("address", ["162.159.129.233", "2606:4700::6810:84e5"])
def test_public_addresses_pass(address: str) -> None:
    assert str(CDN.check_address(address)) == address


def test_an_allowlisted_network_lets_its_addresses_through_and_no_others() -> None:
    policy = DownloadPolicy(frozenset({"127.0.0.1"}), (ipaddress.ip_network("127.0.0.1/32"),))
    assert str(policy.check_address("127.0.0.1")) == "127.0.0.1"
    for other in ("127.0.0.2", "10.0.0.1", "169.254.169.254"):
        with pytest.raises(AddressRefused):
            policy.check_address(other)


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/cdn.discordapp.com/a.ogg",  # off the allowlist
        "https://cdn.discordapp.com.evil.example/a.ogg",
        "https://user:pw@cdn.discordapp.com/a.ogg",  # credentials smuggled in
        "ftp://cdn.discordapp.com/a.ogg",
        "http://cdn.discordapp.com/a.ogg",  # plain http to a public host
        "file:///etc/passwd",
        "https://10.0.0.5/a.ogg",
        "https://169.254.169.254/latest/meta-data",
        "https://[fe80::1]/a.ogg",
    ],
)
def test_urls_off_the_policy_are_refused(url: str) -> None:
    with pytest.raises(DownloadRefused):
        CDN.check_url(url)


def test_an_ip_literal_on_the_host_list_is_still_address_checked() -> None:
    listed = DownloadPolicy(frozenset({"10.0.0.5", "169.254.169.254"}))
    for url in ("https://10.0.0.5/a.ogg", "https://169.254.169.254/x"):
        with pytest.raises(DownloadRefused):
            listed.check_url(url)


def test_the_cdn_passes() -> None:
    url = "https://cdn.discordapp.com/attachments/1/2/voice-message.ogg?ex=1&is=2&hm=3&"
    assert CDN.check_url(url).host == "cdn.discordapp.com"


@pytest.mark.parametrize("address", NON_PUBLIC)
async def test_the_resolver_refuses_a_name_pointing_at_a_non_public_address(
    address: str,
) -> None:
    base = StubResolver({"cdn.discordapp.com": [address]})
    with pytest.raises(AddressRefused):
        await GuardedResolver(CDN, base).resolve("cdn.discordapp.com", 443)


async def test_one_bad_address_among_good_ones_refuses_the_whole_answer() -> None:
    base = StubResolver({"cdn.discordapp.com": ["162.159.129.233", "169.254.169.254"]})
    with pytest.raises(AddressRefused):
        await GuardedResolver(CDN, base).resolve("cdn.discordapp.com", 443)


async def test_the_resolver_never_looks_up_a_host_off_the_list() -> None:
    base = StubResolver({"evil.example": ["162.159.129.233"]})
    with pytest.raises(AddressRefused):
        await GuardedResolver(CDN, base).resolve("evil.example", 443)
    assert base.asked == []


@pytest_asyncio.fixture
async def loopback_server() -> AsyncIterator[tuple[int, list[str]]]:
    async with recording_server() as served:
        yield served


async def test_the_connection_goes_to_the_checked_address(
    loopback_server: tuple[int, list[str]],
) -> None:
    """The connector uses the resolver's checked answer: no second lookup to disagree."""
    port, hits = loopback_server
    allowed = DownloadPolicy(frozenset({"cdn.test"}), (ipaddress.ip_network("127.0.0.1/32"),))
    base = StubResolver({"cdn.test": ["127.0.0.1"]})
    connector = aiohttp.TCPConnector(resolver=GuardedResolver(allowed, base))
    async with (
        aiohttp.ClientSession(connector=connector) as session,
        session.get(f"http://cdn.test:{port}/a.ogg") as response,
    ):
        assert await response.read() == b"audio"
    assert hits == ["/a.ogg"]
    assert base.asked == ["cdn.test"]


async def test_a_refused_answer_opens_no_connection(loopback_server: tuple[int, list[str]]) -> None:
    port, hits = loopback_server
    not_allowed = DownloadPolicy(frozenset({"cdn.test"}))  # loopback not allowlisted
    base = StubResolver({"cdn.test": ["127.0.0.1"]})
    connector = aiohttp.TCPConnector(resolver=GuardedResolver(not_allowed, base))
    async with aiohttp.ClientSession(connector=connector) as session:
        with pytest.raises(aiohttp.ClientConnectorError) as caught:
            await session.get(f"http://cdn.test:{port}/a.ogg")
    assert isinstance(caught.value.os_error, AddressRefused)
    assert hits == []
