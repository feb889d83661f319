"""Getting a job's audio and its source message from Discord."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import discord

from bot.audio import DownloadPolicy, LinkExpired, download
from bot.jobs import SourceGone
from bot.storage import Job
from cogs._forward import shared_attachments

_GONE = "The audio is no longer available on Discord; please send it again."
_DELETED = "The voice message was deleted before I could transcribe it."


class AudioFetcher:
    """Streams attachments to disk and fetches the messages jobs are about."""

    def __init__(
        self, client: discord.Client, http: aiohttp.ClientSession, policy: DownloadPolicy
    ) -> None:
        self._client = client
        self._http = http
        self._policy = policy

    async def fetch_audio(self, job: Job, destination: Path, max_bytes: int) -> None:
        """Stream the attachment to disk; a stale signed URL is refreshed from the message."""
        url = job.attachment_url
        for refreshed in (False, True):
            if url is None or refreshed:
                url = await self._fresh_url(job)
            try:
                await download(
                    self._http, url, destination, max_bytes=max_bytes, policy=self._policy
                )
                return
            except LinkExpired:
                if refreshed or job.message_id is None:
                    raise SourceGone(_GONE) from None

    async def _fresh_url(self, job: Job) -> str:
        message = await self.source_message(job)
        if message is not None:
            for attachment in shared_attachments(message):  # a forward's snapshot too
                if attachment.id == job.attachment_id:
                    return attachment.url
        raise SourceGone(_DELETED)

    async def source_message(self, job: Job) -> discord.Message | None:
        """The message the job is about, fetched fresh; None if gone or not a message job."""
        if job.message_id is None:
            return None
        channel = await self.channel(job.source_channel_id or job.channel_id)
        if channel is None:
            return None
        try:
            return await channel.fetch_message(job.message_id)
        except discord.HTTPException:
            return None

    async def channel(self, channel_id: int) -> discord.abc.Messageable | None:
        """A channel one can post in, from the cache or fetched; None if gone or not one."""
        channel: object = self._client.get_channel(channel_id)
        if channel is None:
            try:
                channel = await self._client.fetch_channel(channel_id)
            except discord.HTTPException:
                return None
        return channel if isinstance(channel, discord.abc.Messageable) else None
