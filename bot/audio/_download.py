"""Streaming downloads with a byte cap: big files go to disk, never whole into memory.

(discord.py's ``Attachment.read()`` and ``save()`` both hold the whole file in memory.)
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import aiohttp

from bot.audio._types import too_large
from bot.errors import ServiceError

log = logging.getLogger(__name__)
_CHUNK = 256 * 1024


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


async def download(
    session: aiohttp.ClientSession,
    url: str,
    destination: Path,
    *,
    max_bytes: int,
    attempts: int = 3,
    timeout_s: float = 300.0,
) -> int:
    """Stream ``url`` into ``destination``; returns the byte count.

    Raises AudioTooLarge (announced or actual size over ``max_bytes``), LinkExpired, or
    ServiceError after ``attempts`` tries on network errors and 5xx answers.
    """
    timeout = aiohttp.ClientTimeout(total=timeout_s, sock_read=60)
    for attempt in range(1, attempts + 1):
        try:
            async with session.get(url, timeout=timeout) as response:
                if response.status in (403, 404, 410):
                    raise LinkExpired(str(response.status))
                if response.status >= 500 or response.status == 429:
                    raise aiohttp.ClientResponseError(
                        response.request_info, (), status=response.status
                    )
                response.raise_for_status()
                announced = response.content_length
                if announced is not None and announced > max_bytes:
                    raise too_large(announced, max_bytes)
                return await _stream_to(response, destination, max_bytes)
        except (aiohttp.ClientError, TimeoutError) as error:
            log.warning("download attempt %d failed: %s", attempt, type(error).__name__)
            destination.unlink(missing_ok=True)
            if attempt == attempts:
                raise ServiceError(
                    "I couldn't download the audio from Discord; please try again."
                ) from None
            await asyncio.sleep(0.5 * 2**attempt)
    raise AssertionError("unreachable")
