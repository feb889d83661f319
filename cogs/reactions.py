"""Transcribe on reaction: in channels where automatic transcription is off, a member who
reacts to a voice note with the transcribe emoji (``TRANSCRIBE_REACTION``, ✍️ by default)
gets it transcribed in the usual thread.

A reaction event (``MESSAGE_REACTION_ADD``, the non-privileged guild reactions intent) holds
ids, not the message: the bot fetches it, and Discord returns its attachments only with the
Message Content intent (without it, nothing happens and the log says why). The note is
transcribed once whoever reacts (the job is keyed by the note) and charged to the first
reactor's quota (reactions to one note are handled one at a time, in the order Discord
delivered them). Opt-outs apply as for automatic replies: a reaction never overrides one,
except the author's own. Everything is checked in the cache first: no request Discord would
refuse is made.
"""

from __future__ import annotations

import asyncio
import logging
import weakref

import discord
from discord.ext import commands

from bot.jobs import Consent, JobRunner
from bot.options import Origin
from bot.storage import AutoMode, GuildSettings, JobRequest
from cogs._audio import first_audio
from cogs._common import DISCORD_REFUSALS, AnyBot, refusal
from cogs._forward import NoteAuthor
from cogs.auto_transcribe import AutoStore, auto_spec, effective_auto_mode
from cogs.delivery import WORKING, DiscordDelivery
from cogs.members import is_exempt_member

log = logging.getLogger(__name__)
_VARIATION = "\ufe0f"  # emoji presentation selector: "✍" and "✍️" are the same reaction


def same_emoji(one: str, other: str) -> bool:
    """Whether two emoji are the same reaction (with or without the presentation mark)."""
    return one.replace(_VARIATION, "") == other.replace(_VARIATION, "")


def reaction_request(
    message: discord.Message,
    attachment: discord.Attachment,
    settings: GuildSettings,
    author: NoteAuthor,
    reactor: discord.Member,
) -> JobRequest:
    """The job of a reaction: keyed by the note, so every later reaction finds it."""
    exempt = is_exempt_member(reactor, settings)
    return JobRequest(
        dedupe_key=f"reaction:{message.id}:{attachment.id}",
        origin=Origin.REACTION,
        spec=auto_spec(settings, quota_exempt=exempt, forwarded_by=author.forwarded_by),
        channel_id=message.channel.id,
        guild_id=settings.guild_id,
        message_id=message.id,
        attachment_id=attachment.id,
        attachment_url=attachment.url,
        filename=attachment.filename,
        author_id=author.user_id,
        requester_id=reactor.id,
    )


class ReactionTranscribe(commands.Cog):
    """Listens for the transcribe reaction (see the module docstring)."""

    def __init__(
        self,
        bot: AnyBot,
        runner: JobRunner,
        store: AutoStore,
        consent: Consent,
        delivery: DiscordDelivery,
        *,
        emoji: str,
    ) -> None:
        self._bot = bot
        self._runner = runner
        self._store = store
        self._consent = consent
        self._delivery = delivery
        self._emoji = emoji
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    def _lock(self, message_id: int) -> asyncio.Lock:
        lock = self._locks.get(message_id)
        if lock is None:
            lock = self._locks[message_id] = asyncio.Lock()
        return lock

    def _channel(self, payload: discord.RawReactionActionEvent) -> discord.abc.Messageable | None:
        """The reaction's channel, when the bot may read its history (cache only)."""
        guild = self._bot.get_guild(payload.guild_id or 0)
        channel = guild.get_channel_or_thread(payload.channel_id) if guild else None
        if guild is None or not isinstance(channel, discord.abc.Messageable):
            return None
        granted = channel.permissions_for(guild.me)
        if not (granted.view_channel and granted.read_message_history):
            return None
        return channel

    @commands.Cog.listener()
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        """Queue the reacted-to note once (see the module docstring)."""
        reactor = payload.member
        if not self._emoji or not same_emoji(str(payload.emoji), self._emoji):
            return
        if payload.guild_id is None or reactor is None or reactor.bot:
            return
        channel = self._channel(payload)
        if channel is None:
            return
        async with self._lock(payload.message_id):  # taken in delivery order: first come first
            mode, settings = await effective_auto_mode(self._store, payload.guild_id, channel)
            if mode is not AutoMode.OFF:
                return  # automatic replies already cover this channel
            if await self._answered_publicly(payload.message_id):
                return  # e.g. answered before the channel's automatic replies were turned off
            message = await self._fetch(channel, payload.message_id)
            if message is not None:
                await self._queue(message, settings, reactor)

    async def _answered_publicly(self, message_id: int) -> bool:
        """Whether the note already has a reply in the channel (a private answer to
        someone's command does not count): checked before asking Discord for anything."""
        return any(not job.private for job in await self._store.jobs_for_message(message_id))

    async def _fetch(
        self, channel: discord.abc.Messageable, message_id: int
    ) -> discord.Message | None:
        try:
            return await channel.fetch_message(message_id)
        except DISCORD_REFUSALS as error:
            log.info("reaction on message %d: not fetched (%s)", message_id, refusal(error))
            return None

    async def _queue(
        self, message: discord.Message, settings: GuildSettings, reactor: discord.Member
    ) -> None:
        attachment = first_audio(message)
        if attachment is None:
            log.info(
                "reaction on message %d: no audio seen (a message fetched without the Message "
                "Content intent has no attachments)",
                message.id,
            )
            return
        author = await NoteAuthor.of(message)
        if author.user_id != reactor.id and not await self._consent.allows_auto(author.user_id):
            log.info("reaction on message %d: author opted out; not processed", message.id)
            return
        request = reaction_request(message, attachment, settings, author, reactor)
        job, created = await self._runner.submit(request)
        if not created:
            log.info("reaction on message %d: already transcribed (job %d)", message.id, job.id)
            return
        self._delivery.react(job, WORKING)
        await self._delivery.report_queued(
            job, self._runner.ahead_of_it(await self._store.queue_position(job.id))
        )
