"""/voicenotes-admin vocabulary and context, the new settings, and the rule that a server's
vocabulary and context open every Gemini request of that server and no other's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio

from testkit.audio import PausedSpeech
from testkit.discord import FakeUser, StoredMessage
from testkit.gemini import RecordedRequest
from tests.helpers.harness import Harness
from tests.helpers.replies import smart_reply


async def admin(harness: Harness, owner: FakeUser, options: dict[str, Any]) -> StoredMessage:
    interaction = await harness.discord.invoke_slash_command(
        "voicenotes-admin", user=owner, channel=harness.channel, options=options
    )
    return await interaction.wait_response()


def an_owner(harness: Harness) -> FakeUser:
    owner = harness.discord.make_user("owner")
    harness.discord.add_member(harness.guild, owner, permissions=["MANAGE_GUILD"])
    return owner


async def test_vocabulary_add_list_remove_and_context(harness: Harness) -> None:
    owner = an_owner(harness)
    added = await admin(
        harness, owner, {"vocabulary": {"add": {"terms": "Kubernetes, Alice Smith, @everyone"}}}
    )
    assert added.content.startswith("Added 3.")
    assert "`@everyone`, `Alice Smith`, `Kubernetes`" in added.content  # inert code spans
    assert added.allowed_mentions == {"parse": []}
    again = await admin(harness, owner, {"vocabulary": {"add": {"terms": "kubernetes"}}})
    assert "Added 0 (1 were already there)" in again.content
    removed = await admin(harness, owner, {"vocabulary": {"remove": {"term": "@EVERYONE"}}})
    assert removed.content.startswith("Removed.")
    listed = await admin(harness, owner, {"vocabulary": {"list": {}}})
    assert "(2/100)" in listed.content
    too_long = await admin(harness, owner, {"vocabulary": {"add": {"terms": "x" * 61}}})
    assert "at most 60 characters" in too_long.content
    context = await admin(harness, owner, {"context": {"text": "A *homelab* server."}})
    assert "A \\*homelab\\* server." in context.content
    settings = await harness.bot.core.storage.guild_settings(harness.guild.id)
    assert settings.server_context == "A *homelab* server."
    cleared = await admin(harness, owner, {"context": {"clear": True}})
    assert "*(none)*" in cleared.content
    actions = [e.action for e in await harness.bot.core.storage.audit_log(harness.guild.id)]
    assert actions.count("vocabulary.add") == 2
    assert "settings.context" in actions


async def test_links_engine_and_word_timestamps_settings(harness: Harness) -> None:
    owner = an_owner(harness)
    shown = await admin(
        harness,
        owner,
        {"settings": {"links": True, "engine": "gemini-transcribe", "word_timestamps": True}},
    )
    assert "Video links: **on**" in shown.content
    assert "Transcription engine: **gemini-transcribe**" in shown.content
    assert "Word timestamps: **on**" in shown.content
    back = await admin(harness, owner, {"settings": {"engine": "default"}})
    assert "Transcription engine: **bot default**" in back.content


@pytest_asyncio.fixture
async def chunking_harness(make_harness: Any) -> AsyncIterator[Harness]:
    async with make_harness(chunk_seconds=60) as harness:
        yield harness


def prefix_of(request: RecordedRequest) -> str:
    first = request.input_parts[0]
    return str(first.get("text", ""))


async def test_a_servers_vocabulary_opens_every_request_of_it_and_no_others(
    chunking_harness: Harness, paused_speech: PausedSpeech, voice_note_bytes: bytes
) -> None:
    harness = chunking_harness
    storage = harness.bot.core.storage
    await storage.add_vocabulary(harness.guild.id, ["Kubernetes", "Grafana"])
    await storage.update_guild_settings(harness.guild.id, server_context="A homelab server.")
    other_guild = harness.discord.add_guild("Other")
    other_channel = harness.discord.add_text_channel(other_guild, "general")
    harness.discord.add_member(other_guild, harness.alice)
    await harness.discord.flush_events()

    harness.gemini.set_responder(smart_reply)
    long = await harness.post_note(paused_speech.path.read_bytes())
    await harness.discord.wait_for(lambda: harness.discord.reactions_on(long).get("✅"), timeout=60)
    ours = list(harness.gemini.requests)
    assert len(ours) >= 5  # three parts, the speaker map, the merged summary
    for request in ours:
        assert '["Grafana", "Kubernetes"]' in prefix_of(request)
        assert "A homelab server." in prefix_of(request)
    note = await harness.discord.post_voice_message(other_channel, harness.alice, voice_note_bytes)
    await harness.discord.wait_for(lambda: harness.discord.reactions_on(note).get("✅"))
    theirs = harness.gemini.requests[len(ours) :]
    assert theirs
    for request in theirs:
        texts = " ".join(str(part.get("text", "")) for part in request.input_parts)
        assert "Kubernetes" not in texts
        assert "homelab" not in texts
