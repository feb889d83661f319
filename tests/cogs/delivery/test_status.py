"""Status messages and reactions are courtesies the job never waits for: a long note's
progress edits under Discord's edit limit, one status message per job, reactions in order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest
import pytest_asyncio

from bot.storage import Job, JobStatus, Storage
from cogs.delivery._status import StatusBoard, StatusMessage, progress_text, queued_text
from cogs.delivery._targets import followup_webhook
from testkit.audio import PausedSpeech
from testkit.discord import FakeAttachment
from testkit.discord.ratelimits import BucketLimit
from testkit.gemini import Reply
from tests.helpers.clocks import FakeClock
from tests.helpers.harness import Harness, transcript_reply
from tests.helpers.jobs import job_request, queued_job
from tests.helpers.polling import poll_until
from tests.helpers.replies import smart_reply

EDIT = "/channels/{channel_id}/messages/{message_id}"


@pytest_asyncio.fixture
async def long_harness(make_harness: Any) -> AsyncIterator[Harness]:
    """The bot cutting audio into parts of about a minute: long notes show their progress."""
    async with make_harness(chunk_seconds=60) as harness:
        yield harness


class DatabaseDown(Exception):
    """Stands for the database failing a write (an OperationalError)."""


async def stored_job(harness: Harness, key: str) -> tuple[Job, discord.TextChannel]:
    """An automatic job in the harness's channel, and that channel as discord.py sees it.
    The bot's workers are stopped first: the test plays the runner, none may claim it."""
    await harness.bot.runner.stop(grace_s=0)
    channel = harness.bot.get_channel(harness.channel.id)
    assert isinstance(channel, discord.TextChannel)
    request = job_request(key, channel_id=channel.id, guild_id=harness.guild.id)
    job, _ = await harness.bot.core.storage.submit_job(request)
    return job, channel


def poster(channel: discord.TextChannel) -> Any:
    async def post(_job: Job, text: str) -> StatusMessage:
        return await channel.send(text)

    return post


def fail_status_writes(
    monkeypatch: pytest.MonkeyPatch, storage: Storage, *, clearing_only: bool = False
) -> None:
    real = storage.set_job_status_message

    async def down(job_id: int, *, channel_id: int | None, message_id: int | None) -> None:
        if clearing_only and message_id is not None:
            await real(job_id, channel_id=channel_id, message_id=message_id)
            return
        raise DatabaseDown("database is locked")

    monkeypatch.setattr(storage, "set_job_status_message", down)


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
    job, channel = await stored_job(harness, "status:resumed")
    posted_by_the_killed_run = await channel.send(queued_text(2))
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
    job, channel = await stored_job(harness, "status:stored")
    board = StatusBoard(harness.bot, storage)
    await board.show(job, queued_text(1), poster(channel))
    (status,) = harness.bot_messages(harness.channel)
    stored = await storage.get_job(job.id)
    assert stored is not None
    assert (stored.status_channel_id, stored.status_message_id) == (channel.id, status.id)


@pytest.mark.parametrize("failing", ["storing", "clearing"])
async def test_a_database_failure_in_the_status_path_is_a_logged_courtesy(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    """Storing or forgetting a status message fails: the job's status still shows and is
    still removed once it is answered."""
    job, channel = await stored_job(harness, "status:db")
    fail_status_writes(monkeypatch, harness.bot.core.storage, clearing_only=failing == "clearing")
    board = StatusBoard(harness.bot, harness.bot.core.storage)
    await board.show(job, queued_text(1), poster(channel))  # does not raise
    board.finish(job)
    await poll_until(lambda: not board.busy)
    (status,) = harness.bot_messages(harness.channel)
    assert harness.discord.message(status.id).deleted


async def test_a_job_answered_before_its_first_status_is_posted_gets_none(
    harness: Harness,
) -> None:
    """The runner can answer a job while the handler that queued it is still on its way to
    showing "Queued" (reading the server's settings): nothing is posted then."""
    storage = harness.bot.core.storage
    job, channel = await stored_job(harness, "status:late")
    reading, release = asyncio.Event(), asyncio.Event()

    class SlowSettings:
        def __getattr__(self, name: str) -> Any:
            return getattr(storage, name)

        async def guild_settings(self, guild_id: int) -> Any:
            reading.set()
            await release.wait()
            return await storage.guild_settings(guild_id)

    board = StatusBoard(harness.bot, SlowSettings())
    shown = asyncio.create_task(board.show(job, queued_text(2), poster(channel)))
    await reading.wait()
    board.finish(job)
    release.set()
    await shown
    await board.show(job, queued_text(1), poster(channel))  # a caller later still
    await poll_until(lambda: not board.busy)
    assert harness.bot_messages(harness.channel) == []


async def test_a_caller_cancelled_during_the_first_post_loses_no_message(
    harness: Harness,
) -> None:
    """The job is cancelled (a sibling part failed, or shutdown) while its first status is
    on its way back from Discord: the message is still kept, stored and later removed."""
    storage = harness.bot.core.storage
    job, channel = await stored_job(harness, "status:cancelled")
    board = StatusBoard(harness.bot, storage)
    sent = asyncio.Event()

    async def post(_job: Job, text: str) -> StatusMessage:
        message = await channel.send(text)
        sent.set()
        await asyncio.sleep(0.5)  # the answer still on its way back
        return message

    shown = asyncio.create_task(board.show(job, progress_text(1, 4), post))
    await sent.wait()
    shown.cancel()
    with pytest.raises(asyncio.CancelledError):
        await shown
    await poll_until(lambda: not board.busy)
    (status,) = harness.bot_messages(harness.channel)
    stored = await storage.get_job(job.id)
    assert stored is not None
    assert stored.status_message_id == status.id  # a next run could take it over
    board.finish(job)
    await poll_until(lambda: not board.busy)
    assert harness.discord.message(status.id).deleted


async def test_a_job_finished_twice_has_its_status_removed_once(harness: Harness) -> None:
    """finish() again with the claimed job (which carries the stored message), e.g. after
    the DONE write failed: no second delete (Discord would answer 404)."""
    storage = harness.bot.core.storage
    job, channel = await stored_job(harness, "status:twice")
    board = StatusBoard(harness.bot, storage)
    await board.show(job, queued_text(1), poster(channel))
    claimed = await storage.get_job(job.id)
    assert claimed is not None
    assert claimed.status_message_id is not None
    board.finish(claimed)
    await poll_until(lambda: not board.busy)
    board.finish(claimed)
    await poll_until(lambda: not board.busy)
    deletes = [r for r in harness.discord.requests if r.method == "DELETE"]
    assert len(deletes) == 1


async def test_a_refused_failure_notice_still_closes_the_status(
    long_harness: Harness, paused_speech: PausedSpeech
) -> None:
    """The job fails for good and Discord refuses its notice (no Send Messages any more):
    the progress message is removed and the note gets its ⚠️ all the same."""
    harness, discord = long_harness, long_harness.discord
    answers = iter([smart_reply])
    harness.gemini.set_responder(
        lambda r: next(answers, lambda _r, _t: Reply.refused())(r, "Part words.")
    )
    discord.fail_next("POST", r"/channels/\d+/messages$", 403, code=50013, times=99)
    discord.expect_rejection(code=50013)
    note = await harness.post_note(paused_speech.path.read_bytes())
    await discord.wait_for(lambda: discord.reactions_on(note).get("⚠️"), timeout=40)
    await harness.wait_jobs_idle(timeout=40)
    (job,) = await harness.bot.core.storage.jobs_for_message(note.id)
    assert job.status is JobStatus.FAILED
    assert "⏳" not in discord.reactions_on(note)
    assert all(m.deleted for m in discord.bot_messages() if "parts done" in m.content)


async def test_a_followup_status_is_not_edited_once_its_token_has_expired(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    """A /transcribe job's status is a followup, editable only with the interaction's
    token: 15 minutes on, the edit would be refused with a 401 (an invalid request)."""
    harness.gemini.enqueue(Reply.json(transcript_reply("Command words.")))
    interaction = await harness.discord.invoke_slash_command(
        "transcribe",
        user=harness.alice,
        channel=harness.channel,
        options={"attachment": FakeAttachment("note.ogg", voice_note_bytes)},
    )
    await interaction.wait_followups(1, timeout=20)
    await harness.wait_jobs_idle()
    job = await harness.bot.core.storage.get_job(1)
    assert job is not None
    assert job.interaction_token is not None
    clock = FakeClock(job.created_at)
    board = StatusBoard(harness.bot, harness.bot.core.storage, clock)

    async def post(job: Job, text: str) -> StatusMessage:
        return await followup_webhook(harness.bot, job).send(text, wait=True)

    def edits() -> list[Any]:
        return [r for r in harness.discord.requests if r.method == "PATCH"]

    await board.show(job, queued_text(1), post)
    await board.show(job, progress_text(1, 4), post)
    await poll_until(lambda: not board.busy)
    before = len(edits())
    assert before >= 1  # the status was edited while the token lived

    clock.advance(15 * 60)  # the bot's clock: the token is dead now
    await board.show(job, progress_text(2, 4), post)
    await poll_until(lambda: not board.busy)
    assert len(edits()) == before


async def test_a_status_message_someone_deleted_is_left_alone(harness: Harness) -> None:
    """A moderator deletes the "Queued" message: the next progress edit learns it (404),
    and nothing more is asked of Discord for it: no edit, no new message, no delete."""
    job, channel = await stored_job(harness, "status:deleted")
    board = StatusBoard(harness.bot, harness.bot.core.storage)
    await board.show(job, queued_text(1), poster(channel))
    (status,) = harness.bot_messages(harness.channel)
    await harness.discord.delete_message(status)
    harness.discord.expect_rejection(status=404, code=10008)
    await board.show(job, progress_text(1, 4), poster(channel))
    await poll_until(lambda: not board.busy)
    await board.show(job, progress_text(2, 4), poster(channel))
    board.finish(job)
    await poll_until(lambda: not board.busy)
    asked = [r for r in harness.discord.requests if r.path.endswith(str(status.id))]
    assert [(r.method, r.status) for r in asked] == [("PATCH", 404)]
    assert harness.bot_messages(harness.channel) == [status]
    stored = await harness.bot.core.storage.get_job(job.id)
    assert stored is not None
    assert stored.status_message_id is None


async def test_draining_waits_for_the_courtesies_started_while_it_waits(
    harness: Harness,
) -> None:
    """At shutdown a first post still on its way starts the edit asked for meanwhile: the
    drain waits for that edit too, instead of letting the closing session cut it."""
    job, channel = await stored_job(harness, "status:drain")
    board = StatusBoard(harness.bot, harness.bot.core.storage)
    entered, gate = asyncio.Event(), asyncio.Event()

    async def post(_job: Job, text: str) -> StatusMessage:
        entered.set()
        await gate.wait()
        return await channel.send(text)

    first = asyncio.create_task(board.show(job, queued_text(1), post))
    await entered.wait()
    await board.show(job, progress_text(1, 4), post)  # edits the first once it is posted
    draining = asyncio.create_task(board.drain(timeout_s=10))
    gate.set()
    await asyncio.wait_for(draining, timeout=15)
    await first
    (status,) = harness.bot_messages(harness.channel)
    assert status.content == progress_text(1, 4)
