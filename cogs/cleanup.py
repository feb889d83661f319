"""Forgetting. Every way a voice message disappears erases what the bot made of it: a
deletion, a bulk deletion (a moderator's purge), and the bot's removal from the server
(after a grace period: it may be invited back). An hourly sweep applies the retention period
to everything else."""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

import discord
from discord.ext import commands, tasks

from bot.storage.ports import Erasure, Retention
from cogs.erasure import Eraser

log = logging.getLogger(__name__)


class CleanupStore(Erasure, Retention, Protocol):
    """Departed servers and retention."""


class Cleanup(commands.Cog):
    """Source deletion, departed servers and retention."""

    def __init__(self, eraser: Eraser, storage: CleanupStore, *, guild_grace_s: float) -> None:
        self._eraser = eraser
        self._storage = storage
        self._guild_grace_s = guild_grace_s

    async def cog_load(self) -> None:
        """Start the retention sweep."""
        self.retention_sweep.start()

    async def cog_unload(self) -> None:
        """Stop the retention sweep, and wait for it: one stopped mid-query after the
        database closed would never finish (asyncio's shutdown then waits forever)."""
        self.retention_sweep.cancel()
        running = self.retention_sweep.get_task()
        if running is not None:
            await asyncio.gather(running, return_exceptions=True)

    @tasks.loop(hours=1)
    async def retention_sweep(self) -> None:
        """Delete what is older than the retention period, and servers past their grace."""
        try:
            removed = await self._storage.purge_expired() + await self._storage.purge_review()
            removed += await self._storage.purge_web_state()
            erased = await self._storage.erase_departed_guilds(self._guild_grace_s)
        except Exception:  # a database hiccup must not stop the loop for good
            log.exception("retention sweep failed; will try again next hour")
            return
        if removed:
            log.info("retention sweep removed %d rows", removed)
        for guild_id in erased:
            log.info("guild %d erased: the bot left it over the grace period ago", guild_id)

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        """A voice message was deleted: erase everything the bot made of it."""
        await self._eraser.erase_message(payload.message_id)

    @commands.Cog.listener()
    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        """Many messages went at once (a purge): each voice note among them is erased."""
        for message_id in sorted(payload.message_ids):
            await self._eraser.erase_message(message_id)

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Removed from a server: its data is erased once the grace period passes."""
        await self._storage.mark_guild_departed(guild.id)
        log.info("removed from guild %d: its data goes in %.0f days", guild.id, self._days())

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        """Back in a server within its grace period: nothing of it is erased."""
        await self._storage.clear_guild_departed(guild.id)

    def _days(self) -> float:
        return self._guild_grace_s / 86400
