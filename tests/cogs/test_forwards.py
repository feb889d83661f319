"""Forwarded voice messages: the audio is in the snapshot, the author is the original's
(when the bot may read it) or else the forwarder's, and the reply says which."""

from __future__ import annotations

import json

from bot.storage import AutoMode
from testkit.discord import FakeChannel, FakeUser, StoredMessage
from testkit.gemini import Reply
from tests.helpers.harness import Harness, transcript_reply


async def _source(
    harness: Harness, name: str, *, denied: frozenset[str] = frozenset()
) -> FakeChannel:
    """A channel where Alice's notes are not transcribed on their own (auto off)."""
    channel = harness.discord.add_text_channel(harness.guild, name, denied=denied)
    await harness.discord.flush_events()
    await harness.bot.core.storage.set_channel_auto_mode(harness.guild.id, channel.id, AutoMode.OFF)
    return channel


async def _bob(harness: Harness) -> FakeUser:
    bob = harness.discord.make_user("bob")
    harness.discord.add_member(harness.guild, bob)
    return bob


async def _answered(harness: Harness, forward: StoredMessage) -> StoredMessage:
    await harness.discord.wait_for(lambda: harness.discord.reactions_on(forward).get("✅"))
    (thread,) = [t for t in harness.discord.threads_in(harness.channel) if t.id == forward.id]
    (reply,) = harness.bot_messages(thread)
    return reply


async def test_a_forwarded_note_is_transcribed_as_its_original_authors(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    source = await _source(harness, "source")
    original = await harness.discord.post_voice_message(source, harness.alice, voice_note_bytes)
    bob = await _bob(harness)
    harness.gemini.enqueue(Reply.json(transcript_reply("Forwarded words.")))
    forward = await harness.discord.forward_message(harness.channel, bob, original)
    assert forward.attachments == []  # the audio is in the snapshot only
    reply = await _answered(harness, forward)
    assert "Forwarded words." in reply.content
    assert "Forwarded by" not in reply.content
    (job,) = await harness.bot.core.storage.jobs_for_message(forward.id)
    assert (job.author_id, job.requester_id) == (harness.alice.id, bob.id)


async def test_the_original_authors_opt_out_applies_to_a_forward(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    source = await _source(harness, "source")
    original = await harness.discord.post_voice_message(source, harness.alice, voice_note_bytes)
    await harness.bot.core.storage.set_opt_out(harness.alice.id, True)
    bob = await _bob(harness)
    forward = await harness.discord.forward_message(harness.channel, bob, original)
    harness.gemini.enqueue(Reply.json(transcript_reply("Bob's own.")))
    own = await harness.discord.post_voice_message(harness.channel, bob, voice_note_bytes)
    await harness.discord.wait_for(lambda: harness.discord.reactions_on(own).get("✅"))
    assert harness.discord.reactions_on(forward) == {}  # left alone, without a word
    assert await harness.bot.core.storage.jobs_for_message(forward.id) == []


async def test_a_forward_from_a_channel_the_bot_cannot_read_is_answered_as_forwarded_by(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    hidden = await _source(harness, "staff", denied=frozenset({"READ_MESSAGE_HISTORY"}))
    original = await harness.discord.post_voice_message(hidden, harness.alice, voice_note_bytes)
    bob = await _bob(harness)
    harness.gemini.enqueue(Reply.json(transcript_reply("From somewhere private.")))
    forward = await harness.discord.forward_message(harness.channel, bob, original)
    reply = await _answered(harness, forward)
    first_line = reply.content.splitlines()[0]
    assert first_line == f"-# ↪ Forwarded by <@{bob.id}>; I can't read the original message."
    assert reply.mention_ids == []
    (job,) = await harness.bot.core.storage.jobs_for_message(forward.id)
    assert job.author_id == bob.id
    # Known from the permission cache: the original was never asked for.
    assert harness.discord.requests_to("GET", rf"/channels/{hidden.id}/messages/\d+") == []


async def test_the_context_menu_transcribes_a_forward(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    source = await _source(harness, "source")
    original = await harness.discord.post_voice_message(source, harness.alice, voice_note_bytes)
    quiet = await _source(harness, "quiet")  # where the forward lands, not auto-transcribed
    bob = await _bob(harness)
    forward = await harness.discord.forward_message(quiet, bob, original)
    harness.gemini.enqueue(Reply.json(transcript_reply("Asked for by menu.")))
    menu = await harness.discord.invoke_message_command(
        "Transcribe voice note", user=bob, target_message=forward
    )
    (result,) = await menu.wait_followups(1, timeout=20)
    assert "Asked for by menu." in result.content
    document = json.loads(
        next(a for a in result.attachments if a.filename == "transcript.json").data
    )
    assert document["source"]["file_name"] == original.attachments[0].filename
