"""The Translate button on transcript replies, end to end: a language select, then the
stored transcript translated from its text (no audio sent again) in the thread, with its
cost, and cached per language."""

from __future__ import annotations

from typing import Any

from testkit.discord import MessageFlag, StoredMessage
from testkit.gemini import Reply
from tests.helpers.harness import Harness, transcript_reply


def component(message: StoredMessage, prefix: str) -> dict[str, Any]:
    found = [c for row in message.components for c in row["components"]]
    (item,) = [c for c in found if str(c.get("custom_id", "")).startswith(prefix)]
    return dict(item)


async def answered_note(harness: Harness, data: bytes) -> StoredMessage:
    harness.gemini.enqueue(Reply.json(transcript_reply("Hello there.", "See you Monday.")))
    note = await harness.post_note(data)
    await harness.discord.wait_for(lambda: harness.discord.reactions_on(note).get("✅"))
    (thread,) = harness.discord.threads_in(harness.channel)
    (reply,) = harness.bot_messages(thread)
    return reply


async def pick(harness: Harness, reply: StoredMessage, language: str) -> list[StoredMessage]:
    """Bob clicks Translate on ``reply`` and picks ``language``; what was posted."""
    bob = harness.discord.make_user("bob")
    harness.discord.add_member(harness.guild, bob)
    button = component(reply, "voicenotes:translate:")
    offer = await (
        await harness.discord.click_button(reply, button["custom_id"], user=bob)
    ).wait_response()
    assert offer.flags & MessageFlag.EPHEMERAL
    select = component(offer, "voicenotes:translate-to:")
    assert {o["value"] for o in select["options"]} >= {"French", "German", "Japanese"}
    chosen = await harness.discord.click_button(
        offer, select["custom_id"], user=bob, component_type=3, values=[language]
    )
    return await chosen.wait_followups(1, timeout=20)


async def test_the_translate_button_posts_a_translation_without_a_second_audio_request(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    reply = await answered_note(harness, voice_note_bytes)
    translation = {
        "summary": "Une courte note.",
        "lines": [{"line": 1, "text": "Bonjour."}, {"line": 2, "text": "À lundi."}],
    }
    harness.gemini.enqueue(Reply.json(translation))
    (posted,) = await pick(harness, reply, "French")
    assert len(harness.gemini.requests) == 2
    text_only = harness.gemini.requests[1]
    assert text_only.audio_parts == []
    assert "1. Hello there.\n2. See you Monday." in text_only.input_parts[-1]["text"]
    assert posted.channel_id == reply.channel_id  # in the thread, for everyone
    assert not posted.flags & MessageFlag.EPHEMERAL
    assert "Translated into **French**" in posted.content
    assert "Bonjour." in posted.content
    assert "À lundi." in posted.content
    assert "no audio sent again" in posted.content
    assert "≈ $" in posted.content
    assert posted.allowed_mentions == {"parse": []}
    (again,) = await pick(harness, reply, "French")
    assert "from the cache, no cost" in again.content
    assert len(harness.gemini.requests) == 2  # cached per language
