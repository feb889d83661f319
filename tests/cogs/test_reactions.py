"""Transcribe on reaction, end to end: where automatic replies are off, the transcribe
emoji gets a note transcribed in the usual thread, once whoever reacts, charged to the first
reactor, under the opt-out rules."""

from __future__ import annotations

from datetime import timedelta

from testkit.discord import FakeUser
from testkit.gemini import Reply
from tests.helpers.harness import Harness, transcript_reply

WRITE = "✍️"


def members(harness: Harness, *names: str) -> list[FakeUser]:
    users = [harness.discord.make_user(name) for name in names]
    for user in users:
        harness.discord.add_member(harness.guild, user)
    return users


async def auto_off(harness: Harness) -> None:
    await harness.bot.core.storage.update_guild_settings(harness.guild.id, auto_mode="off")


async def test_three_reactions_transcribe_a_note_once_for_the_first_reactor(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    await auto_off(harness)
    bob, carol, dave = members(harness, "bob", "carol", "dave")
    await harness.discord.flush_events()
    note = await harness.post_note(voice_note_bytes)
    harness.gemini.enqueue(Reply.json(transcript_reply("Transcribed on request.")))
    for user in (bob, carol, dave):
        await harness.discord.add_reaction(note, WRITE, user)
    await harness.discord.wait_for(lambda: harness.discord.reactions_on(note).get("✅"))
    await harness.wait_jobs_idle()
    (thread,) = harness.discord.threads_in(harness.channel)
    (reply,) = harness.bot_messages(thread)
    assert "Transcribed on request." in reply.content
    assert len(harness.gemini.requests) == 1
    (job,) = await harness.bot.core.storage.jobs_for_message(note.id)
    assert (job.requester_id, job.author_id) == (bob.id, harness.alice.id)
    since = harness.clock() - timedelta(hours=1)
    usage = harness.bot.core.storage.usage_since
    assert (await usage(since=since, user_id=bob.id)).audio_s > 0
    assert (await usage(since=since, user_id=carol.id)).requests == 0


async def test_other_emoji_and_channels_with_automatic_replies_are_left_alone(
    harness: Harness, voice_note_bytes: bytes, distinct_voice_notes: list[bytes]
) -> None:
    (bob,) = members(harness, "bob")
    await harness.discord.flush_events()
    harness.gemini.enqueue(Reply.json(transcript_reply("Automatic.")))
    note = await harness.post_note(voice_note_bytes)  # auto mode is on: answered already
    await harness.discord.wait_for(lambda: harness.discord.reactions_on(note).get("✅"))
    await harness.discord.add_reaction(note, WRITE, bob)
    await auto_off(harness)
    quiet = await harness.post_note(voice_note_bytes)
    await harness.discord.add_reaction(quiet, "👍", bob)
    await transcribed_later(harness, distinct_voice_notes[0], bob)  # earlier ones: handled
    assert len(harness.gemini.requests) == 2
    assert await harness.bot.core.storage.jobs_for_message(quiet.id) == []
    assert [j.origin.value for j in await harness.bot.core.storage.jobs_for_message(note.id)] == [
        "auto"
    ]


async def transcribed_later(harness: Harness, data: bytes, user: FakeUser) -> None:
    """A later note transcribed on a reaction: by then earlier reactions were handled (each
    is filtered or refused long before a whole transcription completes)."""
    harness.gemini.enqueue(Reply.json(transcript_reply("Later.")))
    later = await harness.post_note(data)
    await harness.discord.add_reaction(later, WRITE, user)
    await harness.discord.wait_for(lambda: harness.discord.reactions_on(later).get("✅"))


async def test_an_opted_out_authors_note_is_only_transcribed_for_the_author(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    await auto_off(harness)
    (bob,) = members(harness, "bob")
    await harness.bot.core.storage.set_opt_out(harness.alice.id, True)
    await harness.discord.flush_events()
    note = await harness.post_note(voice_note_bytes)
    harness.gemini.enqueue(Reply.json(transcript_reply("My own note.")))
    await harness.discord.add_reaction(note, WRITE, bob)  # refused: Alice opted out
    await harness.discord.add_reaction(note, WRITE, harness.alice)  # handled after Bob's
    await harness.discord.wait_for(lambda: harness.discord.reactions_on(note).get("✅"))
    (job,) = await harness.bot.core.storage.jobs_for_message(note.id)
    assert job.requester_id == harness.alice.id  # Bob's reaction, first, made no job
    assert len(harness.gemini.requests) == 1


async def test_without_message_content_a_fetched_note_has_no_audio_to_transcribe(
    harness: Harness, voice_note_bytes: bytes, distinct_voice_notes: list[bytes]
) -> None:
    await auto_off(harness)
    (bob,) = members(harness, "bob")
    await harness.discord.flush_events()
    note = await harness.post_note(voice_note_bytes)
    harness.discord.granted_intents.discard("MESSAGE_CONTENT")  # REST now strips files
    await harness.discord.add_reaction(note, WRITE, bob)
    await harness.discord.wait_for(
        lambda: harness.discord.requests_to("GET", rf"/channels/\d+/messages/{note.id}$")
    )
    harness.discord.granted_intents.add("MESSAGE_CONTENT")
    await transcribed_later(harness, distinct_voice_notes[1], bob)
    assert await harness.bot.core.storage.jobs_for_message(note.id) == []
    assert len(harness.gemini.requests) == 1  # the later note's only


async def test_a_note_answered_before_auto_was_turned_off_is_not_answered_again(
    harness: Harness, voice_note_bytes: bytes, distinct_voice_notes: list[bytes]
) -> None:
    (bob,) = members(harness, "bob")
    await harness.discord.flush_events()
    harness.gemini.enqueue(Reply.json(transcript_reply("Automatic.")))
    note = await harness.post_note(voice_note_bytes)
    await harness.discord.wait_for(lambda: harness.discord.reactions_on(note).get("✅"))
    await auto_off(harness)
    await harness.discord.add_reaction(note, WRITE, bob)  # the thread has its transcript
    await transcribed_later(harness, distinct_voice_notes[0], bob)
    assert len(harness.gemini.requests) == 2
    assert [j.origin.value for j in await harness.bot.core.storage.jobs_for_message(note.id)] == [
        "auto"
    ]
