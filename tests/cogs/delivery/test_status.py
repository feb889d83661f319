"""Status messages and reactions are courtesies the job never waits for: a long note's
progress edits under Discord's edit limit, one status message per job, reactions in order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest_asyncio

from bot.storage import Job
from cogs.delivery._status import StatusBoard, StatusMessage, progress_text, queued_text
from testkit.audio import PausedSpeech
from testkit.discord.ratelimits import BucketLimit
from testkit.gemini import Reply
from tests.helpers.harness import Harness
from tests.helpers.jobs import job_request, queued_job
from tests.helpers.polling import poll_until
from tests.helpers.replies import smart_reply

EDIT = "/channels/{channel_id}/messages/{message_id}"


@pytest_asyncio.fixture
async def long_harness(make_harness: Any) -> AsyncIterator[Harness]:
    """The bot cutting audio into parts of about a minute: long notes show their progress."""
    async with make_harness(chunk_seconds=60) as harness:
        yield harness


async def test_progress_edits_wait_for_discord_not_the_job_and_only_the_latest_is_sent(
    long_harness: Harness, paused_speech: PausedSpeech
) -> None:
    harness, discord = long_harness, long_harness.discord
    # One edit per 3 s per channel: discord.py sleeps out the bucket inside each edit, so a
    # job awaiting its progress edits would take about 3 s per part.
    discord.rate_limits.buckets["message-edit"] = BucketLimit(1, 3.0)
    harness.gemini.set_responder(lambda r: Reply.slow(0.2, smart_reply(r, "Part words.")))
    note = await harness.post_note(paused_speech.path.read_bytes())
    await discord.wait_for(lambda: discord.reactions_on(note).get("✅"), timeout=30)
    await harness.wait_jobs_idle(timeout=30)

    (thread,) = discord.threads_in(harness.channel)
    messages = discord.bot_messages(thread)
    (status,) = [m for m in messages if "parts done" in m.content]
    assert status.deleted  # removed once answered, after the edit under way
    edits = [r for r in discord.requests if r.method == "PATCH" and r.route == EDIT]
    # 1/4 went at once; 2/4 to 4/4 replaced one another while it held the bucket, and
    # the answer came first: a message about to be deleted is not edited again.
    assert [r.json["content"] for r in edits] == ["⏳ Transcribing… 1/4 parts done."]
    replied = next(r.at for r in discord.requests if r.method == "POST" and r.files)
    deleted = next(r.at for r in discord.requests if r.method == "DELETE" and r.route == EDIT)
    assert edits[0].at < replied < deleted


async def test_a_status_asked_for_while_the_first_is_being_posted_edits_it(
    harness: Harness,
) -> None:
    """A queued note's "Queued" message yields to replies, so its job may already report
    progress while it is on its way: that text edits it, never a second status message."""
    board = StatusBoard(harness.bot, harness.bot.core.storage)
    channel = harness.bot.get_channel(harness.channel.id)
    assert isinstance(channel, discord.TextChannel)
    entered, gate = asyncio.Event(), asyncio.Event()

    async def post(_job: Job, text: str) -> StatusMessage:
        entered.set()
        await gate.wait()  # the first post is held on its way
        return await channel.send(text)

    job = queued_job(job_request("status:1"))
    first = asyncio.create_task(board.show(job, queued_text(3), post))
    await asyncio.wait_for(entered.wait(), timeout=5)
    await asyncio.wait_for(board.show(job, progress_text(0, 4), post), timeout=5)  # no post
    gate.set()
    await first
    await poll_until(lambda: not board.busy)
    (status,) = harness.bot_messages(harness.channel)
    assert status.content == progress_text(0, 4)


async def test_a_status_message_stored_by_a_killed_run_is_edited_then_removed(
    harness: Harness,
) -> None:
    """A board that never saw the job (the next run after a kill) takes over the status
    message stored on it: progress edits it, the answer removes it, nothing is posted anew."""
    storage = harness.bot.core.storage
    channel = harness.bot.get_channel(harness.channel.id)
    assert isinstance(channel, discord.TextChannel)
    posted_by_the_killed_run = await channel.send(queued_text(2))
    job, _ = await storage.submit_job(job_request("status:resumed", channel_id=channel.id))
    await storage.set_job_status_message(
        job.id, channel_id=channel.id, message_id=posted_by_the_killed_run.id
    )
    resumed = await storage.get_job(job.id)
    assert resumed is not None
    assert resumed.status_message_id == posted_by_the_killed_run.id

    async def post(_job: Job, _text: str) -> StatusMessage:
        raise AssertionError("the stored status message is edited, not posted again")

    board = StatusBoard(harness.bot, storage)
    await board.show(resumed, progress_text(1, 3), post)
    await poll_until(lambda: not board.busy)
    (status,) = harness.bot_messages(harness.channel)
    assert status.content == progress_text(1, 3)

    board.finish(resumed)
    await poll_until(lambda: not board.busy)
    assert harness.discord.message(status.id).deleted
    forgotten = await storage.get_job(job.id)
    assert forgotten is not None
    assert forgotten.status_message_id is None


async def test_an_automatic_jobs_status_message_is_stored_on_it(harness: Harness) -> None:
    storage = harness.bot.core.storage
    channel = harness.bot.get_channel(harness.channel.id)
    assert isinstance(channel, discord.TextChannel)
    job, _ = await storage.submit_job(job_request("status:stored", channel_id=channel.id))

    async def post(_job: Job, text: str) -> StatusMessage:
        return await channel.send(text)

    board = StatusBoard(harness.bot, storage)
    await board.show(job, queued_text(1), post)
    (status,) = harness.bot_messages(harness.channel)
    stored = await storage.get_job(job.id)
    assert stored is not None
    assert (stored.status_channel_id, stored.status_message_id) == (channel.id, status.id)
