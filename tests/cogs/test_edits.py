"""Every edit the bot makes carries allowed mentions "none". Discord re-parses an edited
message's content with the edit's own allowed mentions, and without them it pings as if the
message were new (resources/message, Edit Message): the creation's "none" does not carry over."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio

from testkit.audio import PausedSpeech
from testkit.discord import FakeAttachment
from testkit.gemini import Reply
from tests.helpers.harness import Harness
from tests.helpers.replies import smart_reply

CHANNEL_EDIT = "/channels/{channel_id}/messages/{message_id}"
WEBHOOK_EDIT = "/webhooks/{application_id}/{token}/messages/{message_id}"


@pytest_asyncio.fixture
async def long_harness(make_harness: Any) -> AsyncIterator[Harness]:
    """The bot cutting audio into parts of about a minute: long notes show their progress."""
    async with make_harness(chunk_seconds=60) as harness:
        yield harness


async def test_every_edit_the_bot_makes_pings_nobody(
    long_harness: Harness, paused_speech: PausedSpeech, voice_note_bytes: bytes
) -> None:
    harness, discord = long_harness, long_harness.discord
    hostile = f"<@{harness.alice.id}> @everyone listen"  # a member the fake knows
    harness.gemini.set_responder(lambda r: Reply.slow(0.3, smart_reply(r, hostile)))
    assert paused_speech.wav_path is not None
    long_ogg, long_wav = paused_speech.path.read_bytes(), paused_speech.wav_path.read_bytes()

    async def command(name: str, data: bytes) -> None:
        options = {"attachment": FakeAttachment(name, data)}
        await discord.invoke_slash_command(
            "transcribe", user=harness.alice, channel=harness.channel, options=options
        )

    note = await discord.post_voice_message(harness.channel, harness.alice, long_ogg)
    await command("long.wav", long_wav)  # another file: its own progress, as followups
    await harness.post_note(voice_note_bytes)  # waits behind the two
    await command("note.ogg", voice_note_bytes)  # one ahead: "Queued" edited into its reply
    await discord.wait_for(lambda: discord.reactions_on(note).get("✅"), timeout=30)
    await harness.wait_jobs_idle(timeout=30)

    edits = [r for r in discord.requests if r.method == "PATCH"]
    assert {CHANNEL_EDIT, WEBHOOK_EDIT} <= {r.route for r in edits}
    assert [r.json.get("allowed_mentions") for r in edits] == [{"parse": []}] * len(edits)
    replies = [m for m in harness.bot_messages() if "listen" in m.content]
    assert replies  # the hostile words were posted, edited into deferred responses too
    for message in harness.bot_messages():
        assert (message.mention_ids, message.mention_everyone) == ([], False)
