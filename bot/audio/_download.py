"""Streaming downloads with a byte cap: big files go to disk, never whole into memory.

(discord.py's ``Attachment.read()`` and ``save()`` both hold the whole file in memory.)
Every URL, and every hop of a redirect, is checked against the :class:`DownloadPolicy`
first (``_egress``): nothing is fetched from a host off the allowlist.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import aiohttp
from yarl import URL

from bot.audio._egress import AddressRefused, DownloadPolicy, DownloadRefused
from bot.audio._types import too_large
from bot.errors import ServiceError

log = logging.getLogger(__name__)
_CHUNK = 256 * 1024
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 3


class LinkExpired(Exception):
    """The URL answered 403/404/410: signed CDN links expire; fetch a fresh one."""


async def _stream_to(response: aiohttp.ClientResponse, destination: Path, max_bytes: int) -> int:
    written = 0
    with destination.open("wb") as sink:  # small writes of 256 KiB: fine on the loop
        async for block in response.content.iter_chunked(_CHUNK):
            written += len(block)
            if written > max_bytes:  # no trustworthy total: stop reading right here
                raise too_large(None, max_bytes)
            sink.write(block)
    return written


async def _open(
    session: aiohttp.ClientSession,
    url: str,
    policy: DownloadPolicy,
    limits: aiohttp.ClientTimeout,
) -> aiohttp.ClientResponse:
    """The response for ``url`` after at most :data:`MAX_REDIRECTS` redirects, each hop
    checked against ``policy`` before it is requested (never followed blindly)."""
    target = policy.check_url(url)
    for _hop in range(MAX_REDIRECTS + 1):
        response = await session.get(target, timeout=limits, allow_redirects=False)
        if response.status not in _REDIRECTS:
            return response
        location = response.headers.get("Location", "")
        response.release()
        target = policy.check_url(target.join(URL(location)))
    raise DownloadRefused("too many redirects")


async def download(
    session: aiohttp.ClientSession,
    url: str,
    destination: Path,
    *,
    max_bytes: int,
    policy: DownloadPolicy,
    attempts: int = 3,
    timeout_s: float = 300.0,
) -> int:
    """Stream ``url`` into ``destination``; returns the byte count.

    Raises DownloadRefused (a host or address the policy forbids: nothing is requested),
    AudioTooLarge (announced or actual size over ``max_bytes``), LinkExpired, or
    ServiceError after ``attempts`` tries on network errors and 5xx answers.
    """
    timeout = aiohttp.ClientTimeout(total=timeout_s, sock_read=60)
    for attempt in range(1, attempts + 1):
        try:
            async with await _open(session, url, policy, timeout) as response:
                _check_response(response, max_bytes)
                return await _stream_to(response, destination, max_bytes)
        except (aiohttp.ClientError, TimeoutError) as error:
            destination.unlink(missing_ok=True)
            _refused_address(error)
            log.warning("download attempt %d failed: %s", attempt, type(error).__name__)
            if attempt == attempts:
                raise ServiceError(
                    "I couldn't download the audio from Discord; please try again."
                ) from None
            await asyncio.sleep(0.5 * 2**attempt)
    raise AssertionError("unreachable")


def _check_response(response: aiohttp.ClientResponse, max_bytes: int) -> None:
    """Raise for an answer not worth reading: an expired link, a server error (retried),
    a refusal, or a size announced over the cap."""
    if response.status in (403, 404, 410):
        raise LinkExpired(str(response.status))
    if response.status >= 500 or response.status == 429:
        raise aiohttp.ClientResponseError(response.request_info, (), status=response.status)
    response.raise_for_status()
    announced = response.content_length
    if announced is not None and announced > max_bytes:
        raise too_large(announced, max_bytes)


def _refused_address(error: BaseException) -> None:
    """A connection the resolver refused (a forbidden address) is final: no retry."""
    cause = getattr(error, "os_error", None)
    if isinstance(cause, AddressRefused):
        log.warning("download refused before connecting: %s", cause)
        raise DownloadRefused(str(cause)) from None
