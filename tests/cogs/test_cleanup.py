"""Deleting a voice message deletes what the bot made of it."""

from __future__ import annotations

import pytest

from testkit.gemini import Reply
from tests.helpers.harness import Harness, transcript_reply
from tests.helpers.polling import wait_for_async


@pytest.mark.parametrize("manage_threads", [True, False], ids=["manage-threads", "default"])
async def test_deleting_the_voice_message_erases_replies_thread_and_transcripts(
    harness: Harness, voice_note_bytes: bytes, manage_threads: bool
) -> None:
    if manage_threads:
        harness.discord.set_bot_permissions(harness.channel, allowed={"MANAGE_THREADS"})
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
    await wait_for_async(forgotten, what="the stored transcript to be erased")
    deletions = harness.discord.requests_to("DELETE", rf"/channels/{note.id}")
    if manage_threads:
        assert [r.status for r in deletions] == [200]
        assert harness.discord.threads_in(harness.channel) == []
    else:  # not even asked: Discord would refuse (a 403, counted toward its IP ban)
        assert deletions == []
        assert [t.id for t in harness.discord.threads_in(harness.channel)] == [note.id]
    # The content-addressed cache entry for the same audio is gone too: a new post of the
    # same audio asks Gemini again.
    harness.gemini.enqueue(Reply.json(transcript_reply("Asked again.")))
    again = await harness.post_note(voice_note_bytes)
    await harness.discord.wait_for(lambda: harness.discord.reactions_on(again).get("✅"))
    assert len(harness.gemini.requests) == 2
