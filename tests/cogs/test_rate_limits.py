"""Long Discord rate limits (``discord.RateLimited``, which is no HTTPException): a courtesy
is skipped, the reply waits and is posted once, erasure goes on; nothing escapes."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from bot.storage import JobStatus
from testkit.gemini import Reply
from tests.helpers.harness import Harness, transcript_reply
from tests.helpers.polling import wait_for_async

REACTIONS = r"/channels/\d+/messages/\d+/reactions/[^/]+/@me"
LONG = 600.0  # well past the bot's max_ratelimit_timeout (60 s)


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Everything logged at ERROR or above: a job failing unexpectedly, an exception
    escaping a listener or a task."""
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def reacted(harness: Harness, note_id: int, emoji: str) -> Callable[[], bool]:
    return lambda: bool(harness.discord.reactions_on(note_id).get(emoji))


async def test_a_rate_limited_reply_waits_and_is_posted_once(
    harness: Harness, voice_note_bytes: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    harness.gemini.enqueue(Reply.json(transcript_reply("Worth the wait.")))
    harness.discord.exhaust_bucket("POST", r"/channels/\d+/messages", reset_after=120)
    note = await harness.post_note(voice_note_bytes)

    def refused() -> bool:
        posts = harness.discord.requests_to("POST", rf"/channels/{note.id}/messages")
        return any(r.status == 429 for r in posts)

    await harness.discord.wait_for(refused, what="the reply to meet the rate limit")
    harness.discord.clock.advance(120)  # the limit lapses; the job was queued again
    await harness.discord.wait_for(reacted(harness, note.id, "✅"), timeout=20)
    await harness.wait_jobs_idle()
    (reply,) = harness.bot_messages(note.id)
    assert "Worth the wait." in reply.content
    assert len(harness.gemini.requests) == 1  # the retry posted the result it kept
    (job,) = await harness.bot.core.storage.jobs_for_message(note.id)
    assert (job.status, job.attempts) == (JobStatus.DONE, 2)
    assert errors_logged(caplog) == []


async def test_rate_limited_reactions_and_thread_leave_a_plain_reply(
    harness: Harness, voice_note_bytes: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    for method in ("PUT", "DELETE"):
        harness.discord.exhaust_bucket(method, REACTIONS, reset_after=LONG)
    harness.discord.exhaust_bucket("POST", r"/channels/\d+/messages/\d+/threads", reset_after=LONG)
    harness.gemini.enqueue(Reply.json(transcript_reply("No frills.")))
    note = await harness.post_note(voice_note_bytes)
    await harness.discord.wait_for(lambda: harness.bot_messages(harness.channel), timeout=20)
    await harness.wait_jobs_idle()
    (reply,) = harness.bot_messages(harness.channel)
    assert "No frills." in reply.content
    assert reply.message_reference is not None  # a reply on the note instead of a thread
    assert int(reply.message_reference["message_id"]) == note.id
    assert harness.discord.threads_in(harness.channel) == []
    assert harness.discord.reactions_on(note) == {}
    (job,) = await harness.bot.core.storage.jobs_for_message(note.id)
    assert (job.status, job.attempts) == (JobStatus.DONE, 1)
    assert errors_logged(caplog) == []


async def test_a_status_message_that_cannot_be_removed_holds_nothing_up(
    harness: Harness, voice_note_bytes: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    harness.discord.exhaust_bucket("DELETE", r"/channels/\d+/messages/\d+", reset_after=LONG)
    harness.answer_slowly(1.0, "Queued words.")
    notes = []
    for _ in range(4):  # two workers: the third and fourth notes wait, with a status
        note = await harness.post_note(voice_note_bytes)
        await harness.discord.wait_for(reacted(harness, note.id, "⏳"))
        notes.append(note)
    for note in notes:
        await harness.discord.wait_for(reacted(harness, note.id, "✅"), timeout=30)
    statuses = [m for m in harness.bot_messages() if "Queued: " in m.content]
    assert statuses
    assert not any(m.deleted for m in statuses)  # their removal was rate limited: they stay
    assert errors_logged(caplog) == []


async def test_erasure_goes_on_when_deletions_are_rate_limited(
    harness: Harness, voice_note_bytes: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    harness.discord.set_bot_permissions(harness.channel, allowed={"MANAGE_THREADS"})
    harness.gemini.enqueue(Reply.json(transcript_reply("Forget me.")))
    note = await harness.post_note(voice_note_bytes)
    await harness.discord.wait_for(reacted(harness, note.id, "✅"))
    storage = harness.bot.core.storage
    (job,) = await storage.jobs_for_message(note.id)
    assert job.result_key is not None
    harness.discord.exhaust_bucket("DELETE", r"/channels/\d+/messages/\d+", reset_after=LONG)
    harness.discord.exhaust_bucket("DELETE", r"/channels/\d+", reset_after=LONG)

    await harness.discord.delete_message(note)

    async def forgotten() -> bool:
        return await storage.load_result(job.result_key or "") is None

    await wait_for_async(forgotten, what="the stored transcript to be erased anyway")
    assert harness.discord.requests_to("DELETE", rf"/channels/{note.id}")  # it tried
    assert errors_logged(caplog) == []
