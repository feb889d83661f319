"""How audio reaches Gemini: inline base64 under the request size limit, else the Files API.

Uploads are waited on until ACTIVE and deleted right after the request (they would expire
after 48 h anyway, but we keep no audio we can drop).
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import GeminiRejected, GeminiUnavailable
from bot.gemini._client import GeminiClient
from bot.gemini._retry import RetryPolicy, Sleep, with_retries
from bot.gemini._sdk import OVERLOADED

log = logging.getLogger(__name__)
_BASE64_OVERHEAD = 4 / 3
_REQUEST_SLACK_BYTES = 64 * 1024  # prompt, schema and JSON framing around the audio
# An audio upload is usually ACTIVE within moments (video takes longer): ask again soon,
# then back off to every 5 s. Each chunk of a long note waits for this before its request.
FIRST_POLL_S = 0.1


@dataclass(frozen=True)
class AudioInput:
    """An audio file ready to send (already normalized to a MIME type Gemini lists)."""

    path: Path
    mime_type: str
    size_bytes: int
    duration_s: float


def _inline_part(path: Path, mime_type: str) -> dict[str, Any]:
    """The file as an inline part; its raw bytes are dropped as soon as they are encoded
    (a long note's parts are in flight three at a time: each copy kept costs megabytes)."""
    encoded = base64.b64encode(path.read_bytes()).decode()
    return {"type": "audio", "data": encoded, "mime_type": mime_type}


class AudioParts:
    """Turns an :class:`AudioInput` into the ``input`` part of an interaction."""

    def __init__(
        self,
        client: GeminiClient,
        *,
        inline_limit_bytes: int,
        retry: RetryPolicy,
        timeout_s: float,
        sleep: Sleep,
    ) -> None:
        self._client = client
        self._inline_limit = inline_limit_bytes
        self._retry = retry
        self._timeout_s = timeout_s
        self._sleep = sleep

    def fits_inline(self, audio: AudioInput) -> bool:
        """Whether the whole request stays under the inline limit once base64-encoded."""
        return audio.size_bytes * _BASE64_OVERHEAD + _REQUEST_SLACK_BYTES < self._inline_limit

    @asynccontextmanager
    async def part(self, audio: AudioInput) -> AsyncIterator[dict[str, Any]]:
        """The audio part, valid for the block (an upload is deleted when it ends)."""
        if self.fits_inline(audio):
            # Reading and encoding megabytes of audio is I/O and CPU work: off the loop.
            yield await asyncio.to_thread(_inline_part, audio.path, audio.mime_type)
            return
        name, uri = await self._upload(audio)
        try:
            yield {"type": "audio", "uri": uri, "mime_type": audio.mime_type}
        finally:
            await self._delete(name)

    async def _upload(self, audio: AudioInput) -> tuple[str, str]:
        """Upload through the Files API and wait until the file is ACTIVE."""

        async def upload(_attempt: int) -> Any:
            return await self._client.upload(str(audio.path), audio.mime_type)

        uploaded = await with_retries(upload, self._retry, self._sleep, what="upload")
        name = uploaded.name or ""
        log.info("gemini upload done: size=%d", audio.size_bytes)
        try:
            return name, await self._wait_active(name)
        except BaseException:
            await self._delete(name)
            raise

    async def _wait_active(self, name: str) -> str:
        deadline = time.monotonic() + self._timeout_s
        delay = FIRST_POLL_S
        while True:
            info = await self._client.file(name)
            state = str(getattr(info.state, "value", info.state) or "")
            if state == "ACTIVE" and info.uri:
                return info.uri
            if state == "FAILED":
                raise GeminiRejected("Gemini could not process this audio file.")
            if time.monotonic() > deadline:
                raise GeminiUnavailable(OVERLOADED)
            await self._sleep(delay)
            delay = min(delay * 2, 5.0)

    async def _delete(self, name: str) -> None:
        """Best effort: uploads expire after 48 h anyway."""
        try:
            await self._client.delete(name)
        except Exception as error:
            log.warning("gemini upload delete failed: %s", type(error).__name__)
