"""/voicenotes-admin status answers for the asking server only: its notes and audio today,
and Gemini's state (paused for the daily quota, and until when), privately."""

from __future__ import annotations

from bot.storage import JobStatus
from bot.timecodes import format_duration
from testkit.discord import FakeChannel, FakeUser, StoredMessage
from testkit.gemini import Reply
from tests.helpers.harness import Harness, transcript_reply
from tests.helpers.polling import wait_for_async


async def status_of(harness: Harness, owner: FakeUser, channel: FakeChannel) -> StoredMessage:
    interaction = await harness.discord.invoke_slash_command(
        "voicenotes-admin", user=owner, channel=channel, options={"status": {}}
    )
    reply = await interaction.wait_response()
    assert reply.ephemeral
    assert reply.allowed_mentions == {"parse": []}
    return reply


async def post_and_finish(
    harness: Harness, channel: FakeChannel, author: FakeUser, data: bytes
) -> StoredMessage:
    note = await harness.discord.post_voice_message(channel, author, data)

    async def final() -> bool:
        jobs = await harness.bot.core.storage.jobs_for_message(note.id)
        return bool(jobs) and all(job.status.is_final for job in jobs)

    await wait_for_async(final, what="the note's job to end")
    return note


async def test_status_is_about_this_server_only(
    harness: Harness, distinct_voice_notes: list[bytes]
) -> None:
    harness.clock.advance_to_midday()  # far from a day boundary: "today" is exact
    discord = harness.discord
    owner = discord.make_user("owner")
    discord.add_member(harness.guild, owner, permissions=["MANAGE_GUILD"])
    other = discord.add_guild("Other Guild")
    elsewhere = discord.add_text_channel(other, "general")
    other_owner = discord.make_user("other_owner")
    discord.add_member(other, other_owner, permissions=["MANAGE_GUILD"])
    await discord.flush_events()

    harness.gemini.enqueue(Reply.json(transcript_reply("Done here.")), Reply.refused())
    harness.gemini.enqueue(Reply.json(transcript_reply("Done elsewhere.")))
    first = await post_and_finish(harness, harness.channel, harness.alice, distinct_voice_notes[0])
    await post_and_finish(harness, harness.channel, harness.alice, distinct_voice_notes[1])
    await post_and_finish(harness, elsewhere, other_owner, distinct_voice_notes[2])
    mine = await status_of(harness, owner, harness.channel)
    theirs = await status_of(harness, other_owner, elsewhere)

    assert "**0** waiting · **0** running · **1** done today · **1** failed today" in mine.content
    assert "**0** waiting · **0** running · **1** done today · **0** failed today" in theirs.content
    (job,) = await harness.bot.core.storage.jobs_for_message(first.id)
    assert job.status is JobStatus.DONE
    duration = harness.json_attachment(harness.bot_messages(first.id)[0])["source"]["duration_s"]
    lines = mine.content.splitlines()
    assert lines[2].startswith(f"Audio today: **{format_duration(duration)}** of this server's ")
    assert "**10 h** daily allowance · resets at 00:00 UTC, in 12 h" in lines[2]
    # three requests of every server in the shared window
    assert lines[3] == "Gemini: ✅ **available** (3 of 60 requests in the last minute)"


async def test_status_tells_of_a_quota_pause_and_the_waiting_note(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    owner = harness.discord.make_user("owner")
    harness.discord.add_member(harness.guild, owner, permissions=["MANAGE_GUILD"])
    harness.gemini.enqueue(Reply.quota_exceeded())
    await harness.post_note(voice_note_bytes)
    storage, model = harness.bot.core.storage, harness.bot.core.pipeline.gemini.model

    async def paused() -> bool:
        stats = await storage.queue_stats()
        return await storage.gemini_paused_until(model) is not None and stats.queued == 1

    await wait_for_async(paused, what="the pause")
    reply = await status_of(harness, owner, harness.channel)
    assert "**1** waiting · **0** running · **0** done today · **0** failed today" in reply.content
    assert "Gemini: ⏸️ **paused**: the bot's daily Gemini quota is used up" in reply.content
    assert "UTC (midnight Pacific time), in " in reply.content


async def test_status_needs_manage_server(harness: Harness) -> None:
    interaction = await harness.discord.invoke_slash_command(
        "voicenotes-admin", user=harness.alice, channel=harness.channel, options={"status": {}}
    )
    reply = await interaction.wait_response()
    assert "You need the Manage Server permission" in reply.content
