"""Auto-transcription: a voice message (or, where enabled, any audio file) gets a reply.

The cog only decides whether a message qualifies and records a job; the job runner does the
work and :class:`cogs.delivery.DiscordDelivery` posts the result.
"""

from __future__ import annotations

import logging
from typing import Protocol

import discord
from discord.ext import commands

from bot.jobs import Consent, JobRunner
from bot.model import Mode
from bot.options import JobOptions, JobSpec, Origin, OutputMode
from bot.storage import AutoMode, GuildSettings, JobRequest
from bot.storage.ports import JobQueue, SettingsReader
from cogs._audio import is_audio_attachment
from cogs._forward import NoteAuthor, shared_attachments
from cogs.delivery import WORKING, DiscordDelivery
from cogs.members import is_exempt_member

log = logging.getLogger(__name__)


class AutoStore(SettingsReader, JobQueue, Protocol):
    """Settings to decide, the queue to report a position."""


def auto_spec(
    settings: GuildSettings | None, *, quota_exempt: bool, forwarded_by: int | None = None
) -> JobSpec:
    """What an automatic reply does in a server (or a DM, with ``settings`` None)."""
    output = settings.output_mode if settings else OutputMode.BOTH
    mode = Mode.SUMMARY if output is OutputMode.SUMMARY else Mode.TRANSCRIPT
    translate_to = settings.translate_to if settings else "English"
    options = JobOptions(mode=mode, translate_to=translate_to)
    return JobSpec(
        options=options, output=output, quota_exempt=quota_exempt, forwarded_by=forwarded_by
    )


def auto_job_request(
    message: discord.Message,
    attachment: discord.Attachment,
    settings: GuildSettings | None,
    author: NoteAuthor,
) -> JobRequest:
    """The job for one attachment of an incoming message (same key on every redelivery)."""
    exempt = is_exempt_member(message.author, settings)
    return JobRequest(
        dedupe_key=f"auto:{message.id}:{attachment.id}",
        origin=Origin.AUTO,
        spec=auto_spec(settings, quota_exempt=exempt, forwarded_by=author.forwarded_by),
        channel_id=message.channel.id,
        guild_id=message.guild.id if message.guild else None,
        message_id=message.id,
        attachment_id=attachment.id,
        attachment_url=attachment.url,
        filename=attachment.filename,
        author_id=author.user_id,
        requester_id=message.author.id,
    )


async def effective_auto_mode(
    store: SettingsReader, guild_id: int, channel: object
) -> tuple[AutoMode, GuildSettings]:
    """The automatic mode in force in a server's channel (a thread follows its channel
    unless set itself), and the server's settings."""
    settings = await store.guild_settings(guild_id)
    channel_ids = [int(getattr(channel, "id", 0))]
    parent = getattr(channel, "parent_id", None)
    if parent:
        channel_ids.append(parent)
    for channel_id in channel_ids:
        override = await store.channel_auto_mode(channel_id)
        if override is not None:
            return override, settings
    return settings.auto_mode, settings


class AutoTranscribe(commands.Cog):
    """Listens for voice notes and queues them."""

    def __init__(
        self, runner: JobRunner, store: AutoStore, consent: Consent, delivery: DiscordDelivery
    ) -> None:
        self._runner = runner
        self._store = store
        self._consent = consent
        self._delivery = delivery

    async def _auto_mode(self, message: discord.Message) -> tuple[AutoMode, GuildSettings | None]:
        if message.guild is None:
            return AutoMode.VOICE, None  # DMs: voice messages only
        return await effective_auto_mode(self._store, message.guild.id, message.channel)

    def _wanted(self, message: discord.Message, mode: AutoMode) -> list[discord.Attachment]:
        if mode is AutoMode.OFF:
            return []
        attachments = shared_attachments(message)
        if mode is AutoMode.VOICE:
            return [a for a in attachments if a.is_voice_message()]
        return [a for a in attachments if is_audio_attachment(a)]

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Queue a job per qualifying attachment; a redelivered message queues nothing, and
        the notes of members who opted out are left alone without a word."""
        if message.author.bot or not shared_attachments(message):
            return
        mode, settings = await self._auto_mode(message)
        wanted = self._wanted(message, mode)
        if not wanted:
            return
        author = await NoteAuthor.of(message)
        if not await self._consent.allows_auto(author.user_id):
            log.info("message %d: author opted out; not processed", message.id)
            return
        for attachment in wanted:
            job, created = await self._runner.submit(
                auto_job_request(message, attachment, settings, author)
            )
            if created:
                self._delivery.react(job, WORKING)
                await self._delivery.report_queued(
                    job, self._runner.ahead_of_it(await self._store.queue_position(job.id))
                )
            else:
                log.info("message %d: duplicate delivery ignored (job %d)", message.id, job.id)
