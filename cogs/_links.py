"""The ``link`` option: a YouTube video, or a Discord message whose audio to use.

Nothing else is accepted, and nothing is ever fetched from a link: a YouTube link becomes
its canonical URL (:mod:`bot.links`), which Gemini fetches; a message link is resolved only
in the server it was used in, and only when the person asking could read that message
themselves: they can view the channel and read its history, and for a private thread they
own it or manage threads (the bot can't see thread membership without the privileged
members intent). All of that is checked in discord.py's cache **before** any request, and
every way of not getting a message (no such channel, a channel the person can't see, no
such message) is answered with the same words, so neither the answer nor its timing says
whether a message the person can't see exists.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any

import discord

from bot.errors import InvalidOptions
from bot.links import VideoLink, youtube_video

FETCH_TIMEOUT_S = 1.5  # the command must still be acknowledged within Discord's 3 s
_MESSAGE_LINK = re.compile(
    r"^https://(?:(?:ptb|canary)\.)?discord(?:app)?\.com/channels/"
    r"(\d{1,20}|@me)/(\d{1,20})/(\d{1,20})/?$"
)
NOT_A_LINK_WE_TAKE = (
    "I only take a YouTube video link or a link to a Discord message in this server. I never "
    "open other links."
)
NOT_FOUND = "I can't find that message, or it's in a place you can't read."
OTHER_SERVER = "I only follow message links to messages in this server."
BOT_CANT_READ = "I can't read that channel: I need View Channel and Read Message History there."


@dataclass(frozen=True)
class MessageLink:
    """A link to a message: its server (None for ``@me``), channel and message ids."""

    guild_id: int | None
    channel_id: int
    message_id: int


def parse_link(text: str) -> VideoLink | MessageLink:
    """What a ``link`` option points at, or InvalidOptions for anything else."""
    video = youtube_video(text)
    if video is not None:
        return video
    match = _MESSAGE_LINK.match(text.strip())
    if match is None:
        raise InvalidOptions(NOT_A_LINK_WE_TAKE)
    guild, channel, message = match.groups()
    return MessageLink(None if guild == "@me" else int(guild), int(channel), int(message))


def _can_read(channel: Any, member: discord.Member) -> bool:
    granted = channel.permissions_for(member)
    if not (granted.view_channel and granted.read_message_history):
        return False
    if isinstance(channel, discord.Thread) and channel.is_private():
        return channel.owner_id == member.id or granted.manage_threads
    return True


def readable_channel(
    guild: discord.Guild, member: discord.Member, link: MessageLink
) -> discord.abc.Messageable:
    """The linked channel when the member may read it, from the cache alone (NOT_FOUND,
    the one answer for every way of not seeing it, otherwise)."""
    if link.guild_id != guild.id:
        raise InvalidOptions(OTHER_SERVER)
    channel = guild.get_channel_or_thread(link.channel_id)
    if not isinstance(channel, discord.abc.Messageable) or not _can_read(channel, member):
        raise InvalidOptions(NOT_FOUND)
    if not _can_read(channel, guild.me):
        raise InvalidOptions(BOT_CANT_READ)  # the member sees it: no secret to keep
    return channel


async def linked_message(
    interaction: discord.Interaction[Any], link: MessageLink
) -> discord.Message:
    """The linked message, resolved under the rules of the module docstring."""
    guild, member = interaction.guild, interaction.user
    if guild is None or not isinstance(member, discord.Member):
        raise InvalidOptions(OTHER_SERVER)
    channel = readable_channel(guild, member, link)
    try:
        async with asyncio.timeout(FETCH_TIMEOUT_S):
            return await channel.fetch_message(link.message_id)
    except (discord.HTTPException, discord.RateLimited, TimeoutError):
        raise InvalidOptions(NOT_FOUND) from None


def moderates(channel: Any, member: discord.abc.User) -> bool:
    """Whether ``member`` has Manage Messages where the note is (an opt-out override)."""
    if not isinstance(member, discord.Member) or not hasattr(channel, "permissions_for"):
        return False
    return bool(channel.permissions_for(member).manage_messages)
