"""Setup check: at startup and on joining a server, log the invite URL and every channel
where the bot could work but lacks a required permission (ids and permission names only)."""

from __future__ import annotations

import logging
from itertools import islice

import discord
from discord.ext import commands

from cogs._common import AnyBot
from cogs.bot_permissions import channels_missing, invite_url

log = logging.getLogger(__name__)
MAX_CHANNELS_LOGGED = 20  # per server: a big server's log stays readable


def log_missing_permissions(guild: discord.Guild) -> int:
    """Log the channels of ``guild`` lacking a required permission; returns how many."""
    problems = list(channels_missing(guild))
    for channel, missing in islice(problems, MAX_CHANNELS_LOGGED):
        log.warning("guild %d: channel %d lacks %s", guild.id, channel.id, ", ".join(missing))
    if len(problems) > MAX_CHANNELS_LOGGED:
        log.warning(
            "guild %d: %d more channels lack permissions",
            guild.id,
            len(problems) - MAX_CHANNELS_LOGGED,
        )
    return len(problems)


class SetupCheck(commands.Cog):
    """Says, in the log, what a server owner must fix for the bot to work everywhere."""

    def __init__(self, bot: AnyBot) -> None:
        self._bot = bot
        self._checked_at_start = False

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Once per process: the invite URL, then every server's missing permissions."""
        if self._checked_at_start:
            return  # on_ready fires again after a full reconnect
        self._checked_at_start = True
        if self._bot.application_id is not None:
            log.info("invite URL: %s", invite_url(self._bot.application_id))
        for guild in self._bot.guilds:
            log_missing_permissions(guild)

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        """A new server: what it lacks, before anyone posts a voice note there."""
        log.info("joined guild %d", guild.id)
        log_missing_permissions(guild)
