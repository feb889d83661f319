"""Server settings change behaviour immediately."""

from __future__ import annotations

from testkit.gemini import Reply
from tests.helpers.harness import Harness, transcript_reply


async def test_settings_show_and_update(harness: Harness) -> None:
    owner = harness.discord.make_user("owner")
    harness.discord.add_member(harness.guild, owner, permissions=["MANAGE_GUILD"])
    interaction = await harness.discord.invoke_slash_command(
        "voicenotes-admin",
        user=owner,
        channel=harness.channel,
        options={"settings": {"output": "summary", "quiet": True}},
    )
    reply = await interaction.wait_response()
    assert "Output: **summary**" in reply.content
    assert "Quiet mode: **on**" in reply.content
    stored = await harness.bot.core.storage.guild_settings(harness.guild.id)
    assert stored.quiet
    log = await harness.bot.core.storage.audit_log(harness.guild.id)
    assert log[0].action == "settings.update"
    assert log[0].actor_id == owner.id


async def test_members_without_manage_server_are_refused(harness: Harness) -> None:
    interaction = await harness.discord.invoke_slash_command(
        "voicenotes-admin",
        user=harness.alice,
        channel=harness.channel,
        options={"settings": {"quiet": True}},
    )
    reply = await interaction.wait_response()
    assert "You need the Manage Server permission" in reply.content
    assert not (await harness.bot.core.storage.guild_settings(harness.guild.id)).quiet


async def test_auto_off_in_a_channel_ignores_voice_notes(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    owner = harness.discord.make_user("owner")
    harness.discord.add_member(harness.guild, owner, permissions=["MANAGE_GUILD"])
    interaction = await harness.discord.invoke_slash_command(
        "voicenotes-admin",
        user=owner,
        channel=harness.channel,
        options={"channel": {"auto": "off"}},
    )
    await interaction.wait_response()
    ignored = await harness.post_note(voice_note_bytes)
    # A note in a channel where auto is on, after it: once that one is answered, the bot
    # has seen the first (it handles messages in order) and must have left it alone.
    elsewhere = harness.discord.add_text_channel(harness.guild, "elsewhere")
    harness.gemini.enqueue(Reply.json(transcript_reply("Heard elsewhere.")))
    answered = await harness.post_note(voice_note_bytes, elsewhere)
    await harness.discord.wait_for(lambda: harness.discord.reactions_on(answered).get("✅"))
    assert await harness.bot.core.storage.jobs_for_message(ignored.id) == []
    assert harness.discord.reactions_on(ignored) == {}
    assert len(harness.gemini.requests) == 1
    assert [m for m in harness.bot_messages(harness.channel) if not m.interaction_metadata] == []


async def test_summary_mode_and_quiet_mode_shape_the_auto_reply(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    storage = harness.bot.core.storage
    await storage.update_guild_settings(harness.guild.id, output_mode="summary", quiet=True)
    harness.gemini.enqueue(
        Reply.json(
            {
                "language": "en",
                "summary": "Only the gist.",
                "key_points": ["a point"],
                "action_items": ["do it"],
                "emotion": "happy",
                "flags": [],
            }
        )
    )
    note = await harness.post_note(voice_note_bytes)
    await harness.discord.wait_for(lambda: harness.bot_messages(note.id), timeout=20)
    (reply,) = harness.bot_messages(note.id)
    assert "Only the gist." in reply.content
    assert "☐ do it" in reply.content
    assert harness.discord.reactions_on(note) == {}
    assert harness.gemini.requests[0].response_schema is not None
    assert "key_points" in harness.gemini.requests[0].response_schema["properties"]
