"""Deleting a voice message deletes what the bot made of it."""

from __future__ import annotations

from testkit.gemini import Reply
from tests.helpers.harness import Harness, transcript_reply


async def test_deleting_the_voice_message_erases_replies_thread_and_transcripts(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    harness.gemini.enqueue(Reply.json(transcript_reply("Soon forgotten.")))
    note = await harness.post_note(voice_note_bytes)
    await harness.discord.wait_for(lambda: harness.discord.reactions_on(note).get("✅"))
    storage = harness.bot.core.storage
    (job,) = await storage.jobs_for_message(note.id)
    assert job.result_key is not None
    assert await storage.load_result(job.result_key) is not None
    (reply,) = harness.bot_messages(note.id)

    await harness.discord.delete_message(note)

    async def forgotten() -> bool:
        return await storage.load_result(job.result_key or "") is None

    await harness.discord.wait_for(lambda: harness.discord.message(reply.id).deleted)
    for _ in range(100):
        if await forgotten():
            break
        await harness.discord.flush_events()
    assert await forgotten()
    assert harness.discord.requests_to("DELETE", rf"/channels/{note.id}")  # the thread
    # The content-addressed cache entry for the same audio is gone too: a new post of the
    # same audio asks Gemini again.
    harness.gemini.enqueue(Reply.json(transcript_reply("Asked again.")))
    again = await harness.post_note(voice_note_bytes)
    await harness.discord.wait_for(lambda: harness.discord.reactions_on(again).get("✅"))
    assert len(harness.gemini.requests) == 2
