"""Erasing what the bot made of voice notes: its posted replies and threads in Discord, then
the stored jobs and results. One service for every way a note disappears: its message was
deleted (alone or in bulk), or its author asked (after opting out). With review on, the
tombstone rule applies to the notes' cards too (:class:`bot.review.CardLifecycle`):
flagged or reported cards stay as tombstones, the others go with their data."""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Protocol

import discord

from bot.review import CardLifecycle
from bot.storage import Job, JobStatus
from bot.storage.ports import DeliveryLog, Erasure, JobQueue, ResultStore, StatusMessages
from cogs._common import DISCORD_REFUSALS, AnyBot, refusal

log = logging.getLogger(__name__)


class EraserStore(JobQueue, DeliveryLog, StatusMessages, ResultStore, Erasure, Protocol):
    """Jobs, their posted parts and status messages, results, and wholesale erasure."""


class Eraser:
    """Deletes a job's traces, Discord's side first (best effort), then storage's."""

    def __init__(
        self, bot: AnyBot, storage: EraserStore, *, cards: CardLifecycle | None = None
    ) -> None:
        self._bot = bot
        self._storage = storage
        self._cards = cards
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    async def erase_message(self, message_id: int) -> int:
        """A voice message is gone: erase every job made of it (and apply the tombstone
        rule to its cards); how many jobs. One erasure of a message at a time: a moderator's
        deletion and the gateway's MESSAGE_DELETE for it (both reach the process of the
        server's shard) would otherwise delete the same replies twice."""
        lock = self._locks.get(message_id)
        if lock is None:
            lock = self._locks[message_id] = asyncio.Lock()
        async with lock:
            found = await self._storage.jobs_for_message(message_id)
            for job in found:
                await self.erase_job(job)
            if self._cards is not None:
                await self._cards.original_gone(message_id)
        return len(found)

    async def erase_job(self, job: Job) -> None:
        """Delete the job's posted messages, its thread, and its stored transcripts (the
        job row stays, ids only, until retention)."""
        await self._withdraw(job)
        keys = [job.result_key] if job.result_key else []
        sha256 = None
        if job.result_key and (document := await self._storage.load_result(job.result_key)):
            sha256 = str(document.get("source", {}).get("sha256") or "") or None
        await self._storage.forget_results(keys=keys, sha256=sha256)
        log.info("job %d erased after its source message was deleted", job.id)

    async def erase_author(self, user_id: int) -> int:
        """Everything stored about one member's notes, job rows included; how many jobs."""
        found = await self._storage.jobs_of_author(user_id)
        for job in found:
            await self._withdraw(job)
        await self._storage.erase_jobs([job.id for job in found])
        if self._cards is not None:
            await self._cards.author_erased(user_id)
        log.info("user %d: %d jobs erased on request", user_id, len(found))
        return len(found)

    async def _withdraw(self, job: Job) -> None:
        """Stop the job if it is still waiting, and take down what it posted."""
        if not job.status.is_final:
            await self._storage.set_job_status(job.id, JobStatus.CANCELLED)
        posted = await self._storage.deliveries(job.id)
        for delivery in posted:
            await self._delete_message(delivery.channel_id, delivery.message_id)
        if job.status_channel_id is not None and job.status_message_id is not None:
            # A cancelled job is never answered: its "Queued" message goes here.
            await self._storage.set_job_status_message(job.id, channel_id=None, message_id=None)
            await self._delete_message(job.status_channel_id, job.status_message_id)
        if job.thread_id is not None:
            await self._delete_thread(job.thread_id)
        if posted or job.thread_id is not None:
            await self._storage.forget_posts(job.id)

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
            await thread.delete(reason="voice note erased")
        except DISCORD_REFUSALS as error:
            log.info("could not delete thread %d (%s)", thread_id, refusal(error))

    async def _thread(self, thread_id: int) -> discord.Thread | None:
        channel = self._bot.get_channel(thread_id)
        if channel is None:
            try:
                channel = await self._bot.fetch_channel(thread_id)
            except discord.NotFound:
                return None
            except DISCORD_REFUSALS as error:
                log.info("could not look up thread %d (%s)", thread_id, refusal(error))
                return None
        return channel if isinstance(channel, discord.Thread) else None
