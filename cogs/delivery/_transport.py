"""How a job's messages reach Discord, chosen once per job.

* :class:`ChannelTransport` posts with the bot token: in a thread on the note (or as a
  reply) for automatic jobs, in the channel for commands whose interaction expired, by DM for
  private results. A resumed job first looks for parts that reached Discord before a crash.
* :class:`FollowupTransport` posts through the interaction's followup webhook while its
  token lives; should the token die early (clock skew, a long queue) it hands over to the
  channel transport.

Every message goes out with allowed mentions off and a silent notification; each reply part
carries a deterministic nonce and is recorded once posted, so nothing is posted twice.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

import discord

from bot.jobs import SourceGone
from bot.storage import Job
from bot.storage.ports import DeliveryLog
from cogs.delivery._compose import ReplyPlan, files_of, last_part_options
from cogs.delivery._fetch import AudioFetcher
from cogs.delivery._recover import find_posted_parts
from cogs.delivery._status import NO_MENTIONS, BoardStore, StatusBoard, StatusMessage
from cogs.delivery._targets import (
    MISSING_PERMISSIONS,
    MessageTarget,
    ThreadOpener,
    ThreadStore,
    auto_reply_target,
    followup_webhook,
)

log = logging.getLogger(__name__)
DMS_CLOSED = 50007  # Cannot send messages to this user
ORIGINAL: Any = "@original"  # Discord takes "@original" where a webhook message id goes
_TOKEN_GONE = (401, 404)  # an interaction token that expired or whose interaction is gone
FILES_REFUSED = (
    "-# 📎 I couldn't attach transcript.json, .txt and .srt here: I'm missing the Attach Files "
    "permission in this channel. A server admin can grant it."
)


def nonce_for(job_id: int, part: int) -> str:
    """Deterministic per part, ≤ 25 characters as Discord requires."""
    return f"vn{job_id}p{part}"[:25]


class DeliveryStore(DeliveryLog, ThreadStore, BoardStore, Protocol):
    """The posted parts of each job, where its thread is, and its status message."""


class Transport(Protocol):
    """Posting one job's status, reply and failure notice."""

    async def post_status(self, job: Job, text: str) -> StatusMessage:
        """Post the job's first status message (later ones edit it)."""

    async def post_reply(self, job: Job, plan: ReplyPlan) -> None:
        """Post every part of ``plan`` not recorded yet, recording each."""

    async def post_failure(self, job: Job, text: str) -> None:
        """Tell the requester why there is no result."""


async def send(
    target: MessageTarget, content: str, reply_to: discord.Message | None, **options: Any
) -> discord.Message:
    """Send with mentions off and no notification sound; reply to ``reply_to`` if given."""
    if reply_to is not None:
        options["reference"] = reply_to.to_reference(fail_if_not_exists=False)
    return await target.send(content, allowed_mentions=NO_MENTIONS, silent=True, **options)


def may_attach(client: discord.Client, target: MessageTarget) -> bool:
    """Whether the bot may attach files in ``target``, as far as its cache knows (a DM: yes)."""
    me = client.user
    guild = getattr(target, "guild", None)
    if guild is None or me is None or not hasattr(target, "permissions_for"):
        return True
    member = guild.get_member(me.id)
    return member is None or bool(target.permissions_for(member).attach_files)


async def _posted(store: DeliveryStore, job: Job) -> set[int]:
    return {delivery.part for delivery in await store.deliveries(job.id)}


class ChannelTransport:
    """Posts with the bot token (see the module docstring)."""

    def __init__(self, client: discord.Client, store: DeliveryStore, fetcher: AudioFetcher) -> None:
        self._client = client
        self._store = store
        self._fetcher = fetcher
        self._threads = ThreadOpener()

    async def post_status(self, job: Job, text: str) -> StatusMessage:
        """The status message where the reply will go."""
        target, reply_to = await self._target(job)
        return await send(target, text, reply_to)

    async def post_reply(self, job: Job, plan: ReplyPlan) -> None:
        """Missing parts in order; the files go with the last part (or, where the bot may
        not attach files, the text goes alone and says so)."""
        target, reply_to = await self._target(job)
        recorded = await self._store.deliveries(job.id)
        done = {d.part for d in recorded}
        missing = {p: text for p, text in enumerate(plan.messages) if p not in done}
        replies_to = reply_to.id if reply_to is not None else None
        history = recorded if job.attempts > 1 else []
        found = await find_posted_parts(self._client, target, job, missing, history, replies_to)
        for part, content in missing.items():
            last = part == len(plan.messages) - 1
            files = plan.files if last else []
            message = found.get(part)
            attached = True
            if message is None:
                first = reply_to if part == 0 else None
                extra = last_part_options(plan, part)
                message, attached = await self._send_part(
                    target, job, part, content, first, files, extra
                )
            await self._store.record_delivery(
                job.id, part, nonce_for(job.id, part), message.id, message.channel.id
            )
            if not attached:
                nonce = nonce_for(job.id, len(plan.messages))  # one past the last part
                await send(target, FILES_REFUSED, None, nonce=nonce)

    async def _send_part(
        self,
        target: MessageTarget,
        job: Job,
        part: int,
        content: str,
        reply_to: discord.Message | None,
        files: list[tuple[str, bytes]],
        extra: dict[str, Any],
    ) -> tuple[discord.Message, bool]:
        """Post one part; returns the message and whether its files went with it. Where the
        bot lacks Attach Files (known from the cache, or learnt from a 50013) the text is
        posted without them: the words matter more than the files."""
        options = {"nonce": nonce_for(job.id, part), "suppress_embeds": True, **extra}
        if files and may_attach(self._client, target):
            try:
                message = await send(target, content, reply_to, files=files_of(files), **options)
                return message, True
            except discord.Forbidden as error:
                if error.code != MISSING_PERMISSIONS:
                    raise
                log.info("job %d: files refused in channel %s", job.id, getattr(target, "id", "?"))
        return await send(target, content, reply_to, **options), not files

    async def post_failure(self, job: Job, text: str) -> None:
        """A reply on the note, or a DM for a command (a failure never opens a thread). When
        the requester's DMs are closed, a public request is answered in its channel (the
        mention is text: it never pings); a private one never goes public."""
        target, reply_to = await self._target(job, for_failure=True)
        try:
            await send(target, text, reply_to)
        except discord.Forbidden as error:
            if error.code != DMS_CLOSED or job.private:
                raise
            channel = await self._fetcher.channel(job.channel_id)
            if channel is None:
                raise
            await send(channel, f"<@{job.requester_id}> {text}", None)

    async def _target(
        self, job: Job, *, for_failure: bool = False
    ) -> tuple[MessageTarget, discord.Message | None]:
        """Where to post: thread/reply for notes, DM for private results. A failure is a
        reply on the note, or, for a command whose interaction expired, a DM to the
        requester (it is theirs alone)."""
        auto = job.origin.on_the_note
        if job.private or (for_failure and not auto):
            user = await self._client.fetch_user(job.requester_id)
            return await user.create_dm(), None
        message = await self._fetcher.source_message(job)
        if auto and message is not None and not for_failure:
            return await auto_reply_target(self._client, self._store, job, message, self._threads)
        channel = await self._fetcher.channel(job.channel_id)
        if channel is None:
            raise SourceGone("The channel for this request is gone.")
        if message is not None and message.channel.id != job.channel_id:
            message = None  # a linked message elsewhere: a reply can't point across channels
        return channel, message


class FollowupTransport:
    """Posts through the interaction's webhook, handing over to ``fallback`` when the
    token is gone (see the module docstring)."""

    def __init__(
        self,
        client: discord.Client,
        store: DeliveryStore,
        status: StatusBoard,
        fallback: ChannelTransport,
    ) -> None:
        self._client = client
        self._store = store
        self._status = status
        self._fallback = fallback

    async def post_status(self, job: Job, text: str) -> StatusMessage:
        """The first followup after a defer replaces the "thinking…" message."""
        webhook = followup_webhook(self._client, job)
        return await webhook.send(
            text, ephemeral=job.private, allowed_mentions=NO_MENTIONS, wait=True
        )

    async def post_reply(self, job: Job, plan: ReplyPlan) -> None:
        """Followups for the missing parts; the bot token takes over if the token died."""
        try:
            await self._send_followups(job, plan)
        except discord.HTTPException as error:
            if error.status not in _TOKEN_GONE:
                raise
            log.info("job %d: interaction token expired; delivering in channel", job.id)
            await self._fallback.post_reply(job, plan)

    async def _send_followups(self, job: Job, plan: ReplyPlan) -> None:
        webhook = followup_webhook(self._client, job)
        posted = await _posted(self._store, job)
        for part, content in enumerate(plan.messages):
            if part in posted:
                continue
            last = part == len(plan.messages) - 1
            message = await webhook.send(
                content,
                files=files_of(plan.files) if last else [],
                ephemeral=job.private,
                allowed_mentions=NO_MENTIONS,
                silent=True,
                suppress_embeds=True,
                wait=True,
                **last_part_options(plan, part),
            )
            await self._store.record_delivery(
                job.id, part, nonce_for(job.id, part), message.id, message.channel.id
            )

    async def post_failure(self, job: Job, text: str) -> None:
        """The deferred response (or the status that replaced it) edited into the error;
        after part of a reply, a followup of the request's visibility; once the token or
        the original response is gone, the channel transport (a DM) takes over."""
        webhook = followup_webhook(self._client, job)
        try:
            if await _posted(self._store, job):
                await webhook.send(
                    text, ephemeral=job.private, allowed_mentions=NO_MENTIONS, wait=True
                )
            else:
                await webhook.edit_message(ORIGINAL, content=text, allowed_mentions=NO_MENTIONS)
                self._status.forget(job)
        except discord.HTTPException as error:
            if error.status not in _TOKEN_GONE:
                raise
            log.info(
                "job %d: interaction response gone (%s); telling the requester by DM",
                job.id,
                error.code,
            )
            await self._fallback.post_failure(job, text)
