"""Forwarded messages: the voice note lives in the forward's snapshot, which has no author.

A forward (``message_reference.type`` FORWARD) carries its original frozen in
``message_snapshots``, with attachments but without an author. The rule: the reference is
followed to the original only within the same server and only where the bot can read it
(checked in its permission cache first, so no request is made that Discord would refuse).
When it can, the original's author is the note's author (their opt-out applies); when it
cannot, the note is processed as "forwarded by" the member who forwarded it, and the reply
says so.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import discord

log = logging.getLogger(__name__)
FETCH_TIMEOUT_S = 1.5


def is_forward(message: discord.Message) -> bool:
    """Whether ``message`` forwards another one."""
    reference = message.reference
    return reference is not None and reference.type is discord.MessageReferenceType.forward


def shared_attachments(message: discord.Message) -> list[discord.Attachment]:
    """The message's own attachments, then those of the messages it forwards."""
    forwarded = [a for snapshot in message.message_snapshots for a in snapshot.attachments]
    return [*message.attachments, *forwarded]


def _readable_channel(message: discord.Message, channel_id: int) -> discord.abc.Messageable | None:
    """The original's channel, when it is in this server and the bot may read its history."""
    guild = message.guild
    if guild is None:
        return None
    channel = guild.get_channel_or_thread(channel_id)
    if channel is None or not isinstance(channel, discord.abc.Messageable):
        return None
    granted = channel.permissions_for(guild.me)
    return channel if granted.view_channel and granted.read_message_history else None


async def original_author(message: discord.Message) -> int | None:
    """The forwarded original's author, or None when the rule says not to look (another
    server, a channel the bot can't read) or the original is gone."""
    reference = message.reference
    if not is_forward(message) or reference is None or reference.message_id is None:
        return None
    if message.guild is None or reference.guild_id != message.guild.id:
        return None
    channel = _readable_channel(message, reference.channel_id)
    if channel is None:
        return None
    try:
        # Bounded: a context menu must still be acknowledged within Discord's 3 seconds.
        async with asyncio.timeout(FETCH_TIMEOUT_S):
            original = await channel.fetch_message(reference.message_id)
    except (discord.HTTPException, discord.RateLimited, TimeoutError) as error:
        log.info("message %d: forwarded original unreadable (%s)", message.id, type(error).__name__)
        return None
    return original.author.id


@dataclass(frozen=True)
class NoteAuthor:
    """Whose note it is: the poster, or a forwarded original's author when readable."""

    user_id: int
    forwarded_by: int | None = None  # set when a forward's original was out of reach

    @classmethod
    async def of(cls, message: discord.Message) -> NoteAuthor:
        """Follow a forward to its original where the rule allows (see cogs._forward)."""
        if not is_forward(message):
            return cls(message.author.id)
        original = await original_author(message)
        if original is None:
            return cls(message.author.id, forwarded_by=message.author.id)
        return cls(original)
