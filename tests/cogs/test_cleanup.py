"""Every way a voice message disappears deletes what the bot made of it."""

from __future__ import annotations

import pytest

from bot.storage import Storage
from cogs.cleanup import Cleanup
from testkit.discord import StoredMessage
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


async def _answered_note(harness: Harness, data: bytes, words: str) -> StoredMessage:
    harness.gemini.enqueue(Reply.json(transcript_reply(words)))
    note = await harness.post_note(data)
    await harness.discord.wait_for(lambda: harness.discord.reactions_on(note).get("✅"))
    # The job is recorded done just after its ✅: wait for that too, or a test that moves
    # the clock past the lease would see a running job to resume.
    storage = harness.bot.core.storage
    await wait_for_async(lambda: _all_finished(storage), what="the job recorded done")
    return note


async def _all_finished(storage: Storage) -> bool:
    return not await storage.unfinished_jobs()


async def test_a_bulk_deletion_erases_every_voice_note_in_it(
    harness: Harness, distinct_voice_notes: list[bytes]
) -> None:
    first = await _answered_note(harness, distinct_voice_notes[0], "First of many.")
    second = await _answered_note(harness, distinct_voice_notes[1], "Second of many.")
    chatter = await harness.discord.post_message(harness.channel, harness.alice, content="hi")
    replies = [reply.id for note in (first, second) for reply in harness.bot_messages(note.id)]
    storage = harness.bot.core.storage
    keys = [job.result_key for n in (first, second) for job in await storage.jobs_for_message(n.id)]

    await harness.discord.bulk_delete_messages([first, chatter, second])

    await harness.discord.wait_for(
        lambda: all(harness.discord.message(r).deleted for r in replies), what="replies gone"
    )

    async def forgotten() -> bool:
        return all([await storage.load_result(key or "") is None for key in keys])

    await wait_for_async(forgotten, what="their transcripts forgotten")
    # Without Manage Threads (the default here) the emptied threads stay, unasked.
    assert harness.discord.requests_to("DELETE", r"/channels/\d+") == []


async def test_removed_from_a_server_its_data_goes_after_the_grace_period(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    note = await _answered_note(harness, voice_note_bytes, "Kept for a while.")
    storage = harness.bot.core.storage
    cleanup = harness.bot.get_cog("Cleanup")
    assert isinstance(cleanup, Cleanup)
    await harness.discord.remove_bot_from_guild(harness.guild)
    await harness.discord.wait_for(lambda: harness.bot.get_guild(harness.guild.id) is None)
    harness.clock.advance(6 * 86400)  # within the 7-day grace: kept
    await cleanup.retention_sweep()
    assert await storage.jobs_for_message(note.id) != []

    harness.clock.advance(2 * 86400)  # past it: erased
    await wait_for_async(lambda: _swept_empty(cleanup, storage, note.id), what="the erasure")
    assert (await storage.guild_settings(harness.guild.id)).auto_mode.value == "voice"


async def _swept_empty(cleanup: Cleanup, storage: Storage, message_id: int) -> bool:
    await cleanup.retention_sweep()
    return await storage.jobs_for_message(message_id) == []


async def test_a_server_that_invites_the_bot_back_keeps_its_data(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    note = await _answered_note(harness, voice_note_bytes, "Still here.")
    storage = harness.bot.core.storage
    cleanup = harness.bot.get_cog("Cleanup")
    assert isinstance(cleanup, Cleanup)
    await harness.discord.remove_bot_from_guild(harness.guild)

    async def departed() -> bool:
        return await storage.guild_departed_at(harness.guild.id) is not None

    await wait_for_async(departed, what="the removal to be recorded")
    await harness.discord.add_bot_to_guild(harness.guild)

    async def back() -> bool:
        return not await departed()

    await wait_for_async(back, what="the rejoin to cancel the erasure")
    harness.clock.advance(8 * 86400)
    await cleanup.retention_sweep()
    assert await storage.jobs_for_message(note.id) != []


async def test_deleting_a_waiting_voice_message_takes_its_queued_message_down(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    """Its job is cancelled, never answered: the erasure removes its "Queued" message."""
    harness.answer_slowly(1.5, "Waited words.")
    notes = await harness.post_queued_notes(voice_note_bytes, 4)  # two workers: one ahead
    waiting = notes[-1]
    queued = await harness.queued_message(waiting)

    await harness.discord.delete_message(waiting)

    await harness.discord.wait_for(lambda: harness.discord.message(queued.id).deleted)
    for note in notes[:-1]:
        await harness.discord.wait_for(harness.reacted(note, "✅"), timeout=30)
    await harness.wait_jobs_idle(timeout=30)
    (job,) = await harness.bot.core.storage.jobs_for_message(waiting.id)
    assert job.status_message_id is None
    assert [m for m in harness.bot_messages(waiting.id) if not m.deleted] == []
