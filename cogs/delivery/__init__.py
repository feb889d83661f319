"""The Discord side of a job: download the note, show progress, post the reply exactly once.

:class:`DiscordDelivery` implements :class:`bot.jobs.JobPort` from small parts: fetching
(``_fetch``), status messages and reactions (``_status``), what a reply looks like
(``_compose``), where it goes (``_targets``), how it is sent, chosen once per job
(``_transport``), and finding parts posted before a crash (``_recover``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import aiohttp
import discord

from bot.audio import DownloadPolicy
from bot.errors import OptedOut, VoiceNoteError
from bot.jobs import PlatformBusy, QueuedForGemini, SourceGone
from bot.model import TranscriptDocument
from bot.pipeline import Progress
from bot.storage import Clock, Job
from cogs._common import refusal
from cogs.delivery._compose import ReplyPlan, compose_reply, files_of
from cogs.delivery._fetch import AudioFetcher
from cogs.delivery._status import (
    DONE,
    FAILED,
    NO_MENTIONS,
    WORKING,
    StatusBoard,
    progress_text,
    queued_text,
)
from cogs.delivery._targets import interaction_alive
from cogs.delivery._transport import (
    ChannelTransport,
    DeliveryStore,
    FollowupTransport,
    Transport,
    nonce_for,
)

log = logging.getLogger(__name__)
__all__ = [
    "DONE",
    "FAILED",
    "NO_MENTIONS",
    "WORKING",
    "DeliveryStore",
    "DiscordDelivery",
    "ReplyPlan",
    "ReplyView",
    "compose_reply",
    "files_of",
    "nonce_for",
    "queued_text",
]
ReplyView = Callable[[int], discord.ui.View]
"""The buttons under a transcript reply, for a job id (the Translate button)."""


@contextmanager
def _retry_after_rate_limit() -> Iterator[None]:
    """Essential work (the audio, the reply) met a long rate limit: the job is retried
    after the wait, with its result; nothing is lost, and parts already posted are not
    posted again."""
    try:
        yield
    except discord.RateLimited as error:
        raise PlatformBusy(error.retry_after) from error


class DiscordDelivery:
    """JobPort for Discord. Built once by the bot; holds no per-job state but status messages."""

    def __init__(
        self,
        client: discord.Client,
        store: DeliveryStore,
        http: aiohttp.ClientSession,
        *,
        downloads: DownloadPolicy,
        inline_cap: int,
        clock: Clock,
        reply_view: ReplyView | None = None,
    ) -> None:
        self._inline_cap = inline_cap
        self._clock = clock
        self._reply_view = reply_view
        self._fetcher = AudioFetcher(client, http, downloads)
        self.status = StatusBoard(client, store, clock)
        self._channel = ChannelTransport(client, store, self._fetcher)
        self._followup = FollowupTransport(client, store, self.status, self._channel)

    def _transport(self, job: Job) -> Transport:
        """Followups while a command's interaction token lives, else the bot token."""
        if not job.origin.on_the_note and interaction_alive(job, self._clock()):
            return self._followup
        return self._channel

    async def fetch_audio(self, job: Job, destination: Path, max_bytes: int) -> None:
        """Stream the job's attachment to ``destination`` (see :class:`AudioFetcher`)."""
        with _retry_after_rate_limit():
            await self._fetcher.fetch_audio(job, destination, max_bytes)

    async def source_message(self, job: Job) -> discord.Message | None:
        """The message the job is about, fetched fresh; None if gone."""
        return await self._fetcher.source_message(job)

    async def report_progress(self, job: Job, progress: Progress) -> None:
        """One status message, edited in place, for audio long enough to have parts."""
        if progress.total > 1:
            text = progress_text(progress.done, progress.total)
            await self.status.show(job, text, self._transport(job).post_status)

    async def report_queued(self, job: Job, ahead: int) -> None:
        """Tell a waiting note how many are ahead of it (edited later into progress)."""
        if ahead > 0:
            await self.status.show(job, queued_text(ahead), self._transport(job).post_status)

    def react(self, job: Job, emoji: str | None) -> None:
        """Swap the reaction on an automatic job's note, in the background (see
        :class:`StatusBoard`)."""
        self.status.react(job, emoji)

    async def deliver(self, job: Job, document: TranscriptDocument) -> None:
        """Post the reply; parts already recorded (before a crash) are not posted again."""
        plan = compose_reply(
            document,
            inline_cap=self._inline_cap,
            show_summary=job.spec.shows_summary,
            forwarded_by=job.spec.forwarded_by,
        )
        if plan.translatable and self._reply_view is not None:
            plan = replace(plan, view=self._reply_view(job.id))
        with _retry_after_rate_limit():
            await self._transport(job).post_reply(job, plan)
        self.status.finish(job)
        self.status.react(job, DONE)

    async def deliver_failure(self, job: Job, error: VoiceNoteError, *, will_retry: bool) -> None:
        """Tell the requester why, in plain words; a vanished auto note closes quietly."""
        if isinstance(error, SourceGone | OptedOut) and job.origin.on_the_note:
            self.status.finish(job)
            self.status.react(job, None)
            return
        text = f"⚠️ {error.user_message}"
        await self.status.edits_done(job)  # a command's failure replaces its status message
        if will_retry and not isinstance(error, QueuedForGemini):  # that one says when
            text += " I'll retry automatically shortly."
        try:
            await self._transport(job).post_failure(job, text)
        except discord.RateLimited as error:
            log.warning("job %d: could not tell the requester (%s)", job.id, refusal(error))
        finally:  # a refused notice (raised on) still closes the note's status and ⏳
            if not will_retry:
                self.status.finish(job)
                self.status.react(job, FAILED)
