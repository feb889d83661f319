"""Where the bot may download from: an allowlist of hosts, checked addresses, no surprises.

The bot downloads attachments and nothing else: every URL it opens names a host on
``DOWNLOAD_HOSTS`` (Discord's CDN by default), over HTTPS (plain HTTP only to addresses
explicitly allowlisted, such as a test server on loopback). Each address the name resolves
to is checked *before* any connection: private, loopback, link-local, multicast, reserved
and unspecified addresses are refused unless they fall inside ``DOWNLOAD_PRIVATE_NETWORKS``.
The check lives in the resolver the HTTP connector uses (:class:`GuardedResolver`), so the
connection goes to the very addresses that were checked (no second lookup an attacker could
answer differently). IP literals never reach a resolver, so :meth:`DownloadPolicy.check_url`
checks them itself. Redirects are followed by :func:`bot.audio.download` one hop at a time,
each hop checked again.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from bot.errors import ServiceError
from bot.settings import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
REFUSED = "I only download audio from Discord, and this file's address isn't one I trust."


class DownloadRefused(ServiceError):
    """A URL or an address outside the download policy: nothing was (or will be) fetched."""

    def __init__(self, reason: str) -> None:
        super().__init__(REFUSED)
        self.reason = reason  # for the log: the rule that refused, never the URL's query


class AddressRefused(OSError):
    """Raised by :class:`GuardedResolver` before any connection to a refused address."""


def _networks(values: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(value, strict=False) for value in values)


@dataclass(frozen=True)
class DownloadPolicy:
    """The allowlisted hosts and the non-public networks explicitly allowed."""

    hosts: frozenset[str]
    private_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> DownloadPolicy:
        """``DOWNLOAD_HOSTS`` and ``DOWNLOAD_PRIVATE_NETWORKS``."""
        hosts = frozenset(host.lower().rstrip(".") for host in settings.download_hosts)
        return cls(hosts, _networks(settings.download_private_networks))

    def _explicit(self, address: IPAddress) -> bool:
        return any(address in network for network in self.private_networks)

    def allows_address(self, address: IPAddress) -> bool:
        """Public unicast addresses, and any address inside an allowlisted network."""
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped  # ::ffff:127.0.0.1 is loopback too
        if self._explicit(address):
            return True
        return address.is_global and not address.is_multicast

    def check_address(self, text: str) -> IPAddress:
        """The parsed address, or :class:`AddressRefused` when the policy forbids it."""
        address = ipaddress.ip_address(text.split("%", 1)[0])  # drop an IPv6 zone id
        if not self.allows_address(address):
            raise AddressRefused(f"address {address} is not public and not allowlisted")
        return address

    def check_url(self, url: str | URL) -> URL:
        """``url`` parsed, or :class:`DownloadRefused` when its scheme or host is not allowed
        (an IP literal's address is checked here: no resolver ever sees it)."""
        parsed = URL(url) if isinstance(url, str) else url
        host = (parsed.host or "").lower().rstrip(".")
        if parsed.scheme not in ("https", "http") or not host:
            raise DownloadRefused("not an http(s) URL")
        if parsed.user or parsed.password:
            raise DownloadRefused("credentials in the URL")
        if host not in self.hosts:
            raise DownloadRefused("host not on DOWNLOAD_HOSTS")
        literal = _ip_literal(host)
        if literal is not None:
            try:
                self.check_address(host)
            except AddressRefused as refused:
                raise DownloadRefused(str(refused)) from None
        if parsed.scheme == "http" and (literal is None or not self._explicit(literal)):
            raise DownloadRefused("plain http outside the allowlisted networks")
        return parsed


def _ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


class GuardedResolver(AbstractResolver):
    """Resolves with ``base`` and refuses the whole answer when any address is forbidden,
    before the connector opens anything (an attacker's name must not smuggle one private
    address among public ones)."""

    def __init__(self, policy: DownloadPolicy, base: AbstractResolver | None = None) -> None:
        self._policy = policy
        self._base = base or aiohttp.ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """The checked addresses of ``host`` (:class:`AddressRefused` otherwise)."""
        if host.lower().rstrip(".") not in self._policy.hosts:
            raise AddressRefused("host not on DOWNLOAD_HOSTS")
        answers = await self._base.resolve(host, port, family)
        if not answers:
            raise AddressRefused(f"no address for {host}")
        for answer in answers:
            self._policy.check_address(answer["host"])
        return answers

    async def close(self) -> None:
        """Release the underlying resolver."""
        await self._base.close()


def guarded_session(policy: DownloadPolicy) -> aiohttp.ClientSession:
    """An HTTP session whose every connection goes through :class:`GuardedResolver`."""
    connector = aiohttp.TCPConnector(resolver=GuardedResolver(policy))
    return aiohttp.ClientSession(connector=connector)
