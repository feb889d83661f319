"""The speech engine and the flex tier, end to end on the fake Discord and fake Gemini."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest_asyncio

from testkit.discord import FakeAttachment
from testkit.gemini import Reply, SpeechWord
from tests.helpers.harness import Harness, transcript_reply

NOTES = {
    "language": "en",
    "summary": "A quick hello.",
    "lines": [{"line": 1, "language": "en", "translation": ""}],
    "flags": [],
    "fixes": [],
}


async def test_the_speech_engine_replies_with_word_timed_subtitles(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    await harness.bot.core.storage.update_guild_settings(
        harness.guild.id, transcribe_engine="gemini-transcribe", word_timestamps=True
    )
    words = [SpeechWord("Hello", 0.25, 0.6), SpeechWord("team.", 0.7, 1.1)]
    harness.gemini.enqueue(Reply.speech(*words), Reply.json(NOTES))
    note = await harness.post_note(voice_note_bytes)
    await harness.discord.wait_for(lambda: harness.discord.reactions_on(note).get("✅"))
    (thread,) = harness.discord.threads_in(harness.channel)
    (reply,) = harness.bot_messages(thread)
    (srt,) = [a for a in reply.attachments if a.filename == "transcript.srt"]
    assert srt.data.decode() == "1\n00:00:00,250 --> 00:00:01,100\nSpeaker 1: Hello team.\n"
    document = harness.json_attachment(reply)
    assert document["engine"] == "gemini-transcribe"
    assert document["timing"] == "words"
    assert document["segments"][0]["words"][0] == {"start": 0.25, "end": 0.6, "text": "Hello"}
    assert document["segments"][0]["emotion"] is None
    speech, notes = harness.gemini.requests
    assert speech.model == "gemini-3.5-transcribe"
    assert "service_tier" not in speech.body
    assert notes.audio_parts == []


@pytest_asyncio.fixture
async def flex_harness(make_harness: Any) -> AsyncIterator[Harness]:
    async with make_harness(gemini_service_tier_queued="flex") as harness:
        yield harness


async def test_a_dropped_flex_request_falls_back_to_standard_exactly_once(
    flex_harness: Harness, voice_note_bytes: bytes
) -> None:
    harness = flex_harness
    harness.gemini.flex.drops = 1
    harness.gemini.enqueue(Reply.json(transcript_reply("Queued work.")))
    note = await harness.post_note(voice_note_bytes)
    await harness.discord.wait_for(lambda: harness.discord.reactions_on(note).get("✅"))
    assert [r.body.get("service_tier") for r in harness.gemini.requests] == ["flex", None]
    assert harness.gemini.flex.dropped == 1
    since = harness.clock() - timedelta(hours=1)
    totals = await harness.bot.core.storage.usage_since(since=since, user_id=harness.alice.id)
    assert totals.requests == 1
    assert totals.flex is None


async def test_interactive_commands_never_use_flex(
    flex_harness: Harness, voice_note_bytes: bytes
) -> None:
    harness = flex_harness
    harness.gemini.enqueue(Reply.json(transcript_reply("Right away.")))
    interaction = await harness.discord.invoke_slash_command(
        "transcribe",
        user=harness.alice,
        channel=harness.channel,
        options={"attachment": FakeAttachment("n.ogg", voice_note_bytes, "audio/ogg")},
    )
    await interaction.wait_followups(1, timeout=20)
    assert [r.body.get("service_tier") for r in harness.gemini.requests] == [None]
