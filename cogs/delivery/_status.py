"""What a waiting note shows: a status message edited in place, and reactions on the note.

A queued note gets "Queued: N ahead", edited into progress for audio long enough to have
parts, and removed when the job is answered. Automatic jobs also swap reactions on the
source message (⏳ while working, then ✅ or ⚠️). Quiet servers get neither. An automatic
job's status message is also stored on the job, so when the bot is killed and the job is
resumed by the next run, that run edits and removes the message the killed one posted
instead of leaving it behind. All of it is a courtesy: a refusal or a long rate limit is
logged, never raised.

Reaction changes and status edits run in the background, in order per note, so no job
waits for them: Discord allows one reaction change per 0.25 s per channel, and discord.py sleeps
out an exhausted bucket inside the request that exhausted it (``Ratelimit.__aexit__``),
so an awaited ✅ held a worker for half a second after every reply (the ⏳ removed, then
the ✅ added). Removing a status message runs the same way. :meth:`StatusBoard.drain`
lets the last ones finish at shutdown.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable
from typing import Protocol

import discord

from bot.storage import Clock, Job, utc_now
from bot.storage.ports import SettingsReader, StatusMessages
from cogs._common import DISCORD_REFUSALS, refusal
from cogs.delivery._targets import interaction_alive
from cogs.ops import courtesy

log = logging.getLogger(__name__)
NO_MENTIONS = discord.AllowedMentions.none()
WORKING, DONE, FAILED = "⏳", "✅", "⚠️"
StatusMessage = discord.Message | discord.WebhookMessage | discord.PartialMessage
PostStatus = Callable[[Job, str], Awaitable[StatusMessage]]
SETTLED_MEMORY = 4096  # job ids whose status is over (answered, or deleted by someone)


class BoardStore(SettingsReader, StatusMessages, Protocol):
    """What the status board reads (quiet servers) and writes (status messages)."""


def queued_text(ahead: int) -> str:
    """The one wording of a queue position."""
    return f"⏳ Queued: {ahead} ahead of this one."


def progress_text(done: int, total: int) -> str:
    """The one wording of a long job's progress."""
    return f"⏳ Transcribing… {done}/{total} parts done."


class StatusBoard:
    """Status messages per job (this process's, and those a killed run stored on the jobs
    it left) and reactions on source messages."""

    def __init__(self, client: discord.Client, store: BoardStore, clock: Clock = utc_now) -> None:
        self._client = client
        self._store = store
        self._clock = clock  # the one that stamps jobs: when interaction tokens expire
        self._messages: dict[int, StatusMessage] = {}
        self._reaction_locks: weakref.WeakValueDictionary[int, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )
        self._latest: dict[int, asyncio.Task[None]] = {}  # by job: its last courtesy asked
        self._wanted: dict[int, str] = {}  # by job: the status text not shown yet
        self._editing: dict[int, asyncio.Task[None]] = {}  # by job: its status editor
        self._posting: dict[int, bool] = {}  # first posts under way: answered meanwhile?
        self._first_posts: set[asyncio.Task[None]] = set()
        self._settled: dict[int, None] = {}  # jobs shown no status again, oldest first

    async def quiet(self, job: Job) -> bool:
        """Whether the job's server asked for no reactions or progress messages."""
        if job.guild_id is None:
            return False
        return (await self._store.guild_settings(job.guild_id)).quiet

    async def show(self, job: Job, text: str, post: PostStatus) -> None:
        """Post the job's first status message with ``post`` (awaited: it may open the
        thread the reply goes to); later texts edit it in the background, only the latest
        one waiting (a long note's parts can finish faster than Discord allows edits, five
        per 5 s per channel). Failures are logged, never raised (a status is a courtesy)."""
        if job.id in self._settled:  # e.g. answered while its caller was on its way here
            return
        if job.id in self._posting:  # the first is on its way: this text edits it after
            self._wanted[job.id] = text
            return
        self._adopt(job)
        if job.id in self._messages:
            self._wanted[job.id] = text
            self._start_editor(job)
            return
        self._posting[job.id] = False  # before any await: an answer from now on removes it
        first = asyncio.create_task(self._post_first(job, text, post))
        self._first_posts.add(first)
        first.add_done_callback(self._first_post_done)
        await asyncio.shield(first)  # a caller cancelled meanwhile: the message is still kept

    def _first_post_done(self, task: asyncio.Task[None]) -> None:
        self._first_posts.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved: the shielded caller, if still there, raised it

    def _start_editor(self, job: Job) -> None:
        if job.id in self._wanted and job.id not in self._editing:
            self._editing[job.id] = asyncio.create_task(self._edit_to_latest(job))

    async def _post_first(self, job: Job, text: str, post: PostStatus) -> None:
        """Post the first status message, unless the server is quiet. It yields to replies
        under the global limit, so the job may be answered first: then it is removed again
        at once. Runs as a task of its own, so a message on Discord is never lost track of."""
        message = None
        try:
            quiet = await self.quiet(job)
            if not quiet and not self._posting.get(job.id):  # (not answered meanwhile)
                with courtesy():
                    message = await post(job, text)
                await self._remember(job, message)  # still "posting": an answer now removes it
        except DISCORD_REFUSALS as error:
            log.info("job %d: status update failed (%s)", job.id, refusal(error))
        finally:
            answered = self._posting.pop(job.id, False)
        if message is None:
            self._wanted.pop(job.id, None)  # the next text posts anew
        elif answered:
            self._after(job, lambda: self._delete(job, message, None))
        else:
            self._messages[job.id] = message
            self._start_editor(job)  # a text asked for while it was being posted

    @staticmethod
    def _stored(job: Job, message: StatusMessage) -> bool:
        """Whether the status message is one stored on the job: an automatic job's, posted
        with the bot token (a command's lives and dies with its interaction)."""
        return job.origin.on_the_note and not isinstance(message, discord.WebhookMessage)

    def _editable(self, job: Job, status: StatusMessage) -> bool:
        """A followup can only be edited through its interaction's token: after the token's
        15 minutes Discord answers 401, an invalid request."""
        return not isinstance(status, discord.WebhookMessage) or interaction_alive(
            job, self._clock()
        )

    async def _remember(self, job: Job, message: StatusMessage | None) -> None:
        """Store the status message on the job (None: it is gone). A failure is logged:
        the message is then only this run's to remove."""
        if message is not None and not self._stored(job, message):
            return
        channel_id = None if message is None else message.channel.id
        try:
            await self._store.set_job_status_message(
                job.id, channel_id=channel_id, message_id=None if message is None else message.id
            )
        except Exception:
            log.exception("job %d: could not store its status message", job.id)

    def _adopt(self, job: Job) -> None:
        """Take over the status message a killed run of the bot posted for this job."""
        if job.id in self._messages or job.status_message_id is None or job.id in self._settled:
            return
        if job.status_channel_id is None or not job.origin.on_the_note:
            return
        channel = self._client.get_partial_messageable(job.status_channel_id, guild_id=job.guild_id)
        self._messages[job.id] = channel.get_partial_message(job.status_message_id)

    async def _edit_to_latest(self, job: Job) -> None:
        try:
            while (text := self._wanted.pop(job.id, None)) is not None:
                status = self._messages.get(job.id)
                if status is None:
                    return
                if not self._editable(job, status):
                    log.info("job %d: status left as it is (interaction token expired)", job.id)
                    return
                try:
                    with courtesy():
                        await status.edit(content=text, allowed_mentions=NO_MENTIONS)
                except discord.NotFound:  # deleted by someone: not edited, nor posted, again
                    log.info("job %d: its status message was deleted", job.id)
                    await self._drop_deleted(job, status)
                    return
                except DISCORD_REFUSALS as error:
                    log.info("job %d: status update failed (%s)", job.id, refusal(error))
        except Exception:
            log.exception("job %d: a status update failed", job.id)
        finally:
            # No await between the last look at the wanted text and this: a text asked
            # for after it starts a new editor.
            self._editing.pop(job.id, None)

    async def _drop_deleted(self, job: Job, status: StatusMessage) -> None:
        self._settle(job)
        self._wanted.pop(job.id, None)
        if self._messages.get(job.id) is status:
            del self._messages[job.id]
        if self._stored(job, status):
            await self._remember(job, None)

    async def edits_done(self, job: Job) -> None:
        """Drop the texts still waiting and let the edit under way finish (before the
        status message is replaced by something else)."""
        self._wanted.pop(job.id, None)
        editing = self._editing.get(job.id)
        if editing is not None:
            await asyncio.wait([editing])

    def forget(self, job: Job) -> None:
        """The status message is gone (deleted with the thinking message)."""
        self._messages.pop(job.id, None)
        self._wanted.pop(job.id, None)

    def _settle(self, job: Job) -> None:
        """No status for this job from now on (remembered for the last few thousand)."""
        self._settled[job.id] = None
        if len(self._settled) > SETTLED_MEMORY:
            del self._settled[next(iter(self._settled))]

    def finish(self, job: Job) -> None:
        """Remove an automatic job's status message once it is answered (in the
        background, after the edit under way and the job's earlier courtesies)."""
        self._wanted.pop(job.id, None)
        if job.id in self._posting and job.origin.on_the_note:
            self._posting[job.id] = True  # removed once it is posted
        self._adopt(job)
        self._settle(job)
        status = self._messages.pop(job.id, None)
        if status is None or not job.origin.on_the_note:
            return
        editing = self._editing.get(job.id)
        self._after(job, lambda: self._delete(job, status, editing))

    async def _delete(
        self, job: Job, status: StatusMessage, editing: asyncio.Task[None] | None
    ) -> None:
        if editing is not None:
            await asyncio.wait([editing])  # an edit landing after the delete would 404
        if self._stored(job, status):
            # Forgotten first: a run killed between the two leaves a message behind rather
            # than have the next run delete it twice (a 404).
            await self._remember(job, None)
        try:
            await status.delete()
        except DISCORD_REFUSALS as error:
            log.info("job %d: could not remove the status message (%s)", job.id, refusal(error))

    def react(self, job: Job, emoji: str | None) -> None:
        """Swap the working reaction on the source message (auto jobs, unless quiet), in
        the background after the job's earlier courtesies; ``None`` only takes the
        working reaction away."""
        if job.origin.on_the_note and job.message_id is not None:
            self._after(job, lambda: self._change(job, emoji))

    def _after(self, job: Job, action: Callable[[], Awaitable[None]]) -> None:
        """Run ``action`` in the background once the job's earlier ones are done: a
        note's reactions then change in the order they were asked for."""
        earlier = self._latest.get(job.id)
        task = asyncio.create_task(self._run_after(earlier, job, action))
        self._latest[job.id] = task
        task.add_done_callback(lambda done: self._forget(job.id, done))

    def _forget(self, job_id: int, done: asyncio.Task[None]) -> None:
        if self._latest.get(job_id) is done:
            del self._latest[job_id]

    @staticmethod
    async def _run_after(
        earlier: asyncio.Task[None] | None, job: Job, action: Callable[[], Awaitable[None]]
    ) -> None:
        if earlier is not None:
            await asyncio.wait([earlier])  # its outcome is its own (logged there)
        try:
            with courtesy():
                await action()
        except Exception:
            log.exception("job %d: a status courtesy failed", job.id)

    @property
    def busy(self) -> bool:
        """Whether courtesies are still running in the background."""
        return bool(self._pending())

    async def drain(self, timeout_s: float) -> None:
        """Wait up to ``timeout_s`` for the courtesies still running (at shutdown), those
        they start meanwhile included (a first post starts its edits); any left then are
        cancelled."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while pending := self._pending():
            _, late = await asyncio.wait(pending, timeout=max(0.0, deadline - loop.time()))
            if late:
                for task in late:
                    task.cancel()
                await asyncio.gather(*late, return_exceptions=True)
                return

    def _pending(self) -> list[asyncio.Task[None]]:
        tasks = [*self._latest.values(), *self._editing.values(), *self._first_posts]
        return [task for task in tasks if not task.done()]

    async def _change(self, job: Job, emoji: str | None) -> None:
        if await self.quiet(job):
            return
        channel = self._client.get_channel(job.channel_id)
        if not isinstance(channel, discord.abc.Messageable) or job.message_id is None:
            return
        message = channel.get_partial_message(job.message_id)
        me = self._client.user
        async with self._reaction_lock(job.channel_id):
            try:
                if emoji != WORKING and me is not None:
                    await message.remove_reaction(WORKING, me)
                if emoji is not None:
                    await message.add_reaction(emoji)
            except DISCORD_REFUSALS as error:
                log.info("job %d: reaction %s failed (%s)", job.id, emoji, refusal(error))

    def _reaction_lock(self, channel_id: int) -> asyncio.Lock:
        """One reaction change at a time per channel. Adding and removing reactions share
        one rate-limit bucket per channel (one change per 0.25 s), which discord.py only
        learns from a response: a change racing another job's on a route discord.py has not
        used yet would be refused with a 429, an invalid request in Discord's count."""
        lock = self._reaction_locks.get(channel_id)
        if lock is None:
            lock = self._reaction_locks[channel_id] = asyncio.Lock()
        return lock
