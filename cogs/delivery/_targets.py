"""Where a job's reply goes: a thread on the voice message, the message itself, a DM, or the
interaction's followup webhook. Thread creation is idempotent across restarts."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Protocol

import discord

from bot.storage import Job, ReplyStyle
from bot.storage.ports import ReplyTargets, SettingsReader
from cogs._common import refusal

log = logging.getLogger(__name__)
INTERACTION_TOKEN_LIFETIME = timedelta(minutes=15)
_TOKEN_MARGIN = timedelta(seconds=60)  # leave time for a long multi-message followup
THREAD_EXISTS = 160004
CANNOT_THREAD_HERE = 50024
MISSING_PERMISSIONS = 50013
MessageTarget = discord.abc.Messageable


def interaction_alive(job: Job, now: datetime) -> bool:
    """True while the interaction token can still send followups (``now`` from the same
    clock that stamped the job's ``created_at``)."""
    if not job.interaction_token:
        return False
    return now < job.created_at + INTERACTION_TOKEN_LIFETIME - _TOKEN_MARGIN


def thread_name(author: str, when: datetime) -> str:
    """``Voice note · Name · 24 Nov 14:05`` in at most 100 characters."""
    stamp = when.strftime("%d %b %H:%M")
    name = " ".join(author.split())[:60] or "someone"
    return f"Voice note · {name} · {stamp}"[:100]


async def _existing_thread(client: discord.Client, job: Job) -> MessageTarget | None:
    if job.thread_id is None:
        return None
    channel = client.get_channel(job.thread_id)
    if channel is None:
        try:
            channel = await client.fetch_channel(job.thread_id)
        except discord.HTTPException:
            return None
    return channel if isinstance(channel, discord.abc.Messageable) else None


class ThreadStore(ReplyTargets, SettingsReader, Protocol):
    """Where a job's thread is remembered, and the server's reply style."""


async def _create_thread(
    client: discord.Client, message: discord.Message, storage: ThreadStore, job: Job
) -> MessageTarget | None:
    """A thread on the voice message, or None when one can't be made here."""
    try:
        thread = await message.create_thread(
            name=thread_name(message.author.display_name, message.created_at),
            auto_archive_duration=1440,
        )
    except discord.RateLimited as error:  # a thread is a nicety: not worth the wait
        log.info("job %d: no thread (%s); replying instead", job.id, refusal(error))
        return None
    except discord.HTTPException as error:
        if error.code == THREAD_EXISTS:  # made before a crash: thread id = message id
            existing = message.guild.get_thread(message.id) if message.guild else None
            return existing or await _fetch_thread(client, message)
        log.info("job %d: no thread (%s); replying instead", job.id, refusal(error))
        return None
    await storage.set_job_reply_target(job.id, reply_channel_id=thread.id, thread_id=thread.id)
    return thread


async def _fetch_thread(client: discord.Client, message: discord.Message) -> MessageTarget | None:
    try:
        channel = await client.fetch_channel(message.id)
    except discord.HTTPException:
        return None
    return channel if isinstance(channel, discord.Thread) else None


def can_thread(message: discord.Message) -> bool:
    """Threads only hang off messages in text and announcement channels, and only where the
    bot may create one and post in it: a request Discord would refuse is never made (each
    403 counts toward Discord's invalid-request ban)."""
    channel, guild = message.channel, message.guild
    if not isinstance(channel, discord.TextChannel) or guild is None:
        return False
    granted = channel.permissions_for(guild.me)
    return granted.create_public_threads and granted.send_messages_in_threads


class ThreadOpener:
    """One thread per note, even when a status message and the reply ask for it at once
    (a first status message yields to replies under the global limit, so both may): the
    first creates it, the other waits and gets the same thread. Discord refuses a second
    thread on a message with 160004, and its THREAD_CREATE event may reach the cache only
    after the other asks, so the threads made here are remembered for a while."""

    _REMEMBERED = 1000

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()
        self._made: OrderedDict[int, MessageTarget] = OrderedDict()

    async def thread_on(
        self, client: discord.Client, message: discord.Message, storage: ThreadStore, job: Job
    ) -> MessageTarget | None:
        """The note's thread: found, or created once (None when one can't be made)."""
        lock = self._locks.get(message.id)
        if lock is None:
            lock = self._locks[message.id] = asyncio.Lock()
        async with lock:
            cached = message.guild.get_thread(message.id) if message.guild else None
            found = self._made.get(message.id) or message.thread or cached
            if found is not None:
                return found
            thread = await _create_thread(client, message, storage, job)
            if thread is not None:
                self._made[message.id] = thread
                while len(self._made) > self._REMEMBERED:
                    self._made.popitem(last=False)
            return thread


async def auto_reply_target(
    client: discord.Client,
    storage: ThreadStore,
    job: Job,
    message: discord.Message,
    threads: ThreadOpener,
) -> tuple[MessageTarget, discord.Message | None]:
    """The channel to post in, and the message to reply to (None inside a fresh thread)."""
    if (thread := await _existing_thread(client, job)) is not None:
        return thread, None
    settings = await storage.guild_settings(job.guild_id) if job.guild_id else None
    wants_thread = settings is None or settings.reply_style is ReplyStyle.THREAD
    if wants_thread and can_thread(message):
        made = await threads.thread_on(client, message, storage, job)
        if made is not None:
            return made, None
    return message.channel, message


def followup_webhook(client: discord.Client, job: Job) -> discord.Webhook:
    """The interaction's followup webhook, rebuilt from the stored token (survives restarts)."""
    assert job.interaction_token is not None
    app_id = client.application_id
    assert app_id is not None
    webhook = discord.Webhook.partial(app_id, job.interaction_token, client=client)
    # An interaction's followup webhook is an application webhook (type 3), the only kind
    # that may send ephemeral messages; discord.py builds it the same way internally.
    webhook.type = discord.WebhookType.application
    return webhook
