"""Forgetting: a deleted voice message takes the bot's replies and stored transcripts with
it, and an hourly sweep applies the retention period to everything else."""

from __future__ import annotations

import logging
from typing import Protocol

import discord
from discord.ext import commands, tasks

from bot.storage import Job, JobStatus
from bot.storage.ports import DeliveryLog, JobQueue, ResultStore, Retention
from cogs._common import DISCORD_REFUSALS, AnyBot, refusal

log = logging.getLogger(__name__)


class CleanupStore(JobQueue, DeliveryLog, ResultStore, Retention, Protocol):
    """Jobs of a message, their posted parts and results, and retention."""


class Cleanup(commands.Cog):
    """Source deletion and retention."""

    def __init__(self, bot: AnyBot, storage: CleanupStore) -> None:
        self._bot = bot
        self._storage = storage

    async def cog_load(self) -> None:
        """Start the retention sweep."""
        self.retention_sweep.start()

    async def cog_unload(self) -> None:
        """Stop the retention sweep."""
        self.retention_sweep.cancel()

    @tasks.loop(hours=1)
    async def retention_sweep(self) -> None:
        """Delete transcripts and finished jobs older than the retention period."""
        try:
            removed = await self._storage.purge_expired()
        except Exception:  # a database hiccup must not stop the loop for good
            log.exception("retention sweep failed; will try again next hour")
            return
        if removed:
            log.info("retention sweep removed %d rows", removed)

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        """The author deleted a voice message: erase everything the bot made of it."""
        for job in await self._storage.jobs_for_message(payload.message_id):
            await self.erase(job)

    async def erase(self, job: Job) -> None:
        """Delete the job's posted messages, its thread, and its stored transcripts."""
        if not job.status.is_final:
            await self._storage.set_job_status(job.id, JobStatus.CANCELLED)
        for delivery in await self._storage.deliveries(job.id):
            await self._delete_message(delivery.channel_id, delivery.message_id)
        if job.thread_id is not None:
            await self._delete_thread(job.thread_id)
        await self._forget_results(job)
        log.info("job %d erased after its source message was deleted", job.id)

    async def _delete_message(self, channel_id: int, message_id: int) -> None:
        channel = self._bot.get_partial_messageable(channel_id)
        try:
            await channel.get_partial_message(message_id).delete()
        except discord.NotFound:
            pass  # already gone (with its thread, or by a moderator)
        except DISCORD_REFUSALS as error:  # the stored transcripts are forgotten all the same
            log.info("could not delete message %d (%s)", message_id, refusal(error))

    async def _delete_thread(self, thread_id: int) -> None:
        thread = await self._thread(thread_id)
        if thread is None:
            return  # already gone
        if not thread.permissions_for(thread.guild.me).manage_threads:
            # Without Manage Threads the (now empty) thread stays; its messages are gone.
            # Not even asked: Discord would refuse, and each 403 counts toward its IP ban.
            log.info("thread %d stays: no Manage Threads permission", thread_id)
            return
        try:
            await thread.delete(reason="voice message deleted")
        except DISCORD_REFUSALS as error:
            log.info("could not delete thread %d (%s)", thread_id, refusal(error))

    async def _thread(self, thread_id: int) -> discord.Thread | None:
        channel = self._bot.get_channel(thread_id)
        if channel is None:
            try:
                channel = await self._bot.fetch_channel(thread_id)
            except DISCORD_REFUSALS as error:
                log.info("could not look up thread %d (%s)", thread_id, refusal(error))
                return None
        return channel if isinstance(channel, discord.Thread) else None

    async def _forget_results(self, job: Job) -> None:
        keys = [job.result_key] if job.result_key else []
        sha256 = None
        if job.result_key and (document := await self._storage.load_result(job.result_key)):
            sha256 = str(document.get("source", {}).get("sha256") or "") or None
        await self._storage.forget_results(keys=keys, sha256=sha256)
