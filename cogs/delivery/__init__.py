"""The Discord side of a job: download the note, show progress, post the reply exactly once.

:class:`DiscordDelivery` implements :class:`bot.jobs.JobPort`. Every message goes out with
allowed mentions off and a silent notification. Each part of a reply carries a deterministic
nonce (Discord returns the existing message for a repeated nonce) and is recorded once
posted, so a job resumed after a crash posts only what is missing; since Discord honours a
nonce for a few minutes only, a resumed job first looks for unrecorded parts in the reply
channel's recent history (:mod:`cogs.delivery._recover`).
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

import aiohttp
import discord

from bot.download import LinkExpired, download
from bot.errors import OptedOut, VoiceNoteError
from bot.jobs import SourceGone
from bot.model import TranscriptDocument
from bot.pipeline import Progress
from bot.storage import Job, OutputMode, Storage
from cogs.delivery._compose import ReplyPlan, compose_reply
from cogs.delivery._recover import find_posted_parts
from cogs.delivery._targets import (
    MessageTarget,
    auto_reply_target,
    followup_webhook,
    interaction_alive,
)

log = logging.getLogger(__name__)
NO_MENTIONS = discord.AllowedMentions.none()
WORKING, DONE, FAILED = "⏳", "✅", "⚠️"


def nonce_for(job_id: int, part: int) -> str:
    """Deterministic per part, ≤ 25 characters as Discord requires."""
    return f"vn{job_id}p{part}"[:25]


class DiscordDelivery:
    """JobPort for Discord. Built once by the bot; holds no per-job state but status messages."""

    def __init__(
        self, client: discord.Client, storage: Storage, http: aiohttp.ClientSession,
        *, inline_cap: int,
    ) -> None:  # fmt: skip
        self._client = client
        self._storage = storage
        self._http = http
        self._inline_cap = inline_cap
        self._status: dict[int, discord.Message | discord.WebhookMessage] = {}

    # -- audio ----------------------------------------------------------------------------

    async def fetch_audio(self, job: Job, destination: Path, max_bytes: int) -> None:
        """Stream the attachment to disk; a stale signed URL is refreshed from the message."""
        url = job.attachment_url
        for refreshed in (False, True):
            if url is None or refreshed:
                url = await self._fresh_url(job)
            try:
                await download(self._http, url, destination, max_bytes=max_bytes)
                return
            except LinkExpired:
                if refreshed or job.message_id is None:
                    raise SourceGone(
                        "The audio is no longer available on Discord; please send it again."
                    ) from None

    async def _fresh_url(self, job: Job) -> str:
        message = await self.source_message(job)
        if message is not None:
            for attachment in message.attachments:
                if attachment.id == job.attachment_id:
                    return attachment.url
        raise SourceGone("The voice message was deleted before I could transcribe it.")

    async def source_message(self, job: Job) -> discord.Message | None:
        """The message the job is about, fetched fresh; None if gone or not a message job."""
        if job.message_id is None:
            return None
        channel = self._client.get_channel(job.channel_id) or await self._fetch_channel(job)
        if not isinstance(channel, discord.abc.Messageable):
            return None
        try:
            return await channel.fetch_message(job.message_id)
        except discord.HTTPException:
            return None

    async def _fetch_channel(self, job: Job) -> object:
        try:
            return await self._client.fetch_channel(job.channel_id)
        except discord.HTTPException:
            return None

    # -- progress -------------------------------------------------------------------------

    async def report_progress(self, job: Job, progress: Progress) -> None:
        """One status message, edited in place, for audio long enough to have parts."""
        if progress.total <= 1 or await self._quiet(job):
            return
        text = f"⏳ Transcribing… {progress.done}/{progress.total} parts done."
        try:
            await self._show_status(job, text)
        except discord.HTTPException as error:
            log.info("job %d: status update failed (%s)", job.id, error.code)

    async def report_queued(self, job: Job, ahead: int) -> None:
        """Tell a waiting note how many are ahead of it (edited later into progress)."""
        if ahead <= 0 or await self._quiet(job):
            return
        try:
            await self._show_status(job, f"⏳ Queued: {ahead} ahead of this one.")
        except discord.HTTPException as error:
            log.info("job %d: queue notice failed (%s)", job.id, error.code)

    async def _show_status(self, job: Job, text: str) -> None:
        existing = self._status.get(job.id)
        if existing is not None:
            await existing.edit(content=text, allowed_mentions=NO_MENTIONS)
            return
        if job.origin != "auto" and interaction_alive(job):
            # The first followup after a defer replaces the "thinking…" message.
            webhook = followup_webhook(self._client, job)
            self._status[job.id] = await webhook.send(
                text, ephemeral=job.private, allowed_mentions=NO_MENTIONS, wait=True
            )
            return
        target, reply_to = await self._target(job)
        self._status[job.id] = await _send(target, text, reply_to)

    async def _quiet(self, job: Job) -> bool:
        if job.guild_id is None:
            return False
        return (await self._storage.guild_settings(job.guild_id)).quiet

    # -- results --------------------------------------------------------------------------

    async def deliver(self, job: Job, document: TranscriptDocument) -> None:
        """Post the reply; parts already recorded (before a crash) are not posted again."""
        show_summary = job.options.get("output_mode") != OutputMode.TRANSCRIPT.value
        plan = compose_reply(document, inline_cap=self._inline_cap, show_summary=show_summary)
        posted = {delivery.part for delivery in await self._storage.deliveries(job.id)}
        if job.origin != "auto" and interaction_alive(job):
            try:
                await self._send_followups(job, plan, posted)
            except discord.HTTPException as error:
                if error.status not in (401, 404):
                    raise
                # The token died early (clock skew, a long queue): post with the bot token.
                log.info("job %d: interaction token expired; delivering in channel", job.id)
                posted = {d.part for d in await self._storage.deliveries(job.id)}
                await self._send_messages(job, plan, posted)
        else:
            await self._send_messages(job, plan, posted)
        await self._finish_status(job)
        await self.react(job, DONE)

    async def _send_messages(self, job: Job, plan: ReplyPlan, posted: set[int]) -> None:
        target, reply_to = await self._target(job)
        missing = {p: text for p, text in enumerate(plan.messages) if p not in posted}
        recorded = await self._storage.deliveries(job.id) if job.attempts > 1 else []
        replies_to = reply_to.id if reply_to is not None else None
        found = await find_posted_parts(self._client, target, job, missing, recorded, replies_to)
        for part, content in missing.items():
            last = part == len(plan.messages) - 1
            message = found.get(part) or await _send(
                target,
                content,
                reply_to if part == 0 else None,
                files=_files(plan) if last else [],
                nonce=nonce_for(job.id, part),
                suppress_embeds=True,
            )
            await self._storage.record_delivery(
                job.id, part, nonce_for(job.id, part), message.id, message.channel.id
            )

    async def _send_followups(self, job: Job, plan: ReplyPlan, posted: set[int]) -> None:
        webhook = followup_webhook(self._client, job)
        for part, content in enumerate(plan.messages):
            if part in posted:
                continue
            last = part == len(plan.messages) - 1
            message = await webhook.send(
                content,
                files=_files(plan) if last else [],
                ephemeral=job.private,
                allowed_mentions=NO_MENTIONS,
                silent=True,
                suppress_embeds=True,
                wait=True,
            )
            await self._storage.record_delivery(
                job.id, part, nonce_for(job.id, part), message.id, message.channel.id
            )

    async def _target(
        self, job: Job, *, for_failure: bool = False
    ) -> tuple[MessageTarget, discord.Message | None]:
        """Where to post with the bot token: thread/reply for notes, DM for private results.
        A failure never opens a thread of its own: it is a reply on the note, or, for a
        command whose interaction expired, a DM to the requester (it is theirs alone)."""
        if job.private or (for_failure and job.origin != "auto"):
            user = await self._client.fetch_user(job.requester_id)
            return await user.create_dm(), None
        message = await self.source_message(job)
        if job.origin == "auto" and message is not None and not for_failure:
            return await auto_reply_target(self._client, self._storage, job, message)
        channel = self._client.get_channel(job.channel_id) or await self._fetch_channel(job)
        if not isinstance(channel, discord.abc.Messageable):
            raise SourceGone("The channel for this request is gone.")
        return channel, message

    async def _finish_status(self, job: Job) -> None:
        status = self._status.pop(job.id, None)
        if status is None or job.origin != "auto":
            return
        try:
            await status.delete()
        except discord.HTTPException:
            log.info("job %d: could not remove the status message", job.id)

    # -- failures -------------------------------------------------------------------------

    async def deliver_failure(self, job: Job, error: VoiceNoteError, *, will_retry: bool) -> None:
        """Tell the requester why, in plain words; a vanished auto note closes quietly."""
        if isinstance(error, SourceGone | OptedOut) and job.origin == "auto":
            await self._finish_status(job)
            await self.react(job, None)
            return
        text = f"⚠️ {error.user_message}"
        if will_retry:
            text += " I'll retry automatically shortly."
        if job.origin != "auto" and interaction_alive(job):
            try:
                await self._tell_requester_privately(job, text)
            except discord.HTTPException as error:
                if error.status not in (401, 404):
                    raise
                log.info("job %d: interaction token expired; telling the requester by DM", job.id)
                target, _ = await self._target(job, for_failure=True)
                await _send(target, text, None)
        else:
            target, reply_to = await self._target(job, for_failure=True)
            await _send(target, text, reply_to)
        if not will_retry:
            await self._finish_status(job)
            await self.react(job, FAILED)

    async def _tell_requester_privately(self, job: Job, text: str) -> None:
        """An ephemeral followup. After a public defer the first followup would inherit the
        public visibility, so the public "thinking…" message is removed first: a refusal (which
        may mention someone's quota) is for the requester's eyes only."""
        webhook = followup_webhook(self._client, job)
        if not job.private and not await self._storage.deliveries(job.id):
            self._status.pop(job.id, None)
            try:
                # Discord takes "@original" where a message id goes.
                await webhook.delete_message("@original")  # type: ignore[arg-type]
            except discord.HTTPException as error:
                log.info("job %d: could not remove the thinking message (%s)", job.id, error.code)
        await webhook.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS, wait=True)

    # -- reactions ------------------------------------------------------------------------

    async def react(self, job: Job, emoji: str | None) -> None:
        """Swap the working reaction on the source message (auto jobs, unless quiet);
        ``None`` only takes the working reaction away."""
        if job.origin != "auto" or job.message_id is None or await self._quiet(job):
            return
        channel = self._client.get_channel(job.channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            return
        message = channel.get_partial_message(job.message_id)
        me = self._client.user
        try:
            if emoji != WORKING and me is not None:
                await message.remove_reaction(WORKING, me)
            if emoji is not None:
                await message.add_reaction(emoji)
        except discord.HTTPException as error:
            log.info("job %d: reaction %s failed (%s)", job.id, emoji, error.code)


async def _send(
    target: MessageTarget, content: str, reply_to: discord.Message | None, **options: Any
) -> discord.Message:
    """Send with mentions off and no notification sound; reply to ``reply_to`` if given."""
    if reply_to is not None:
        options["reference"] = reply_to.to_reference(fail_if_not_exists=False)
    return await target.send(content, allowed_mentions=NO_MENTIONS, silent=True, **options)


def _files(plan: ReplyPlan) -> list[discord.File]:
    return [discord.File(io.BytesIO(data), filename=name) for name, data in plan.files]
