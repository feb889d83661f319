"""Slash commands and context menus, end to end."""

from __future__ import annotations

from testkit.discord import FakeAttachment, MessageFlag
from testkit.gemini import Reply
from tests.helpers.harness import Harness, transcript_reply


def attachment(data: bytes, name: str = "note.ogg") -> FakeAttachment:
    return FakeAttachment(name, data, "audio/ogg")


async def test_transcribe_acks_in_time_and_follows_up_with_the_result(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    harness.gemini.enqueue(Reply.json(transcript_reply("From a command.")))
    interaction = await harness.discord.invoke_slash_command(
        "transcribe",
        user=harness.alice,
        channel=harness.channel,
        options={"attachment": attachment(voice_note_bytes), "translate_to": "German"},
    )
    ack = await interaction.wait_ack()
    assert ack.deferred
    assert not ack.ephemeral
    (result,) = await interaction.wait_followups(1, timeout=20)
    assert "From a command." in result.content
    assert harness.json_attachment(result)["translate_to"] == "German"
    assert "German" in harness.gemini.requests[0].input_parts[0]["text"]
    assert result.allowed_mentions == {"parse": []}
    assert interaction.rejected == []  # acknowledged once, in time: never late nor twice


async def test_private_results_are_ephemeral(harness: Harness, voice_note_bytes: bytes) -> None:
    harness.gemini.enqueue(
        Reply.json(
            {
                "language": "en",
                "summary": "Secret plans.",
                "key_points": ["one"],
                "action_items": [],
                "emotion": "neutral",
                "flags": [],
            }
        )
    )
    interaction = await harness.discord.invoke_slash_command(
        "summarize",
        user=harness.alice,
        channel=harness.channel,
        options={"attachment": attachment(voice_note_bytes), "private": True},
    )
    assert (await interaction.wait_ack()).ephemeral
    (result,) = await interaction.wait_followups(1, timeout=20)
    assert "Secret plans." in result.content
    assert result.flags & MessageFlag.EPHEMERAL
    public = [m for m in harness.bot_messages() if not m.flags & MessageFlag.EPHEMERAL]
    assert public == []


async def test_context_menu_on_a_processed_note_reuses_the_stored_result(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    harness.gemini.enqueue(Reply.json(transcript_reply("Cached words.")))
    note = await harness.post_note(voice_note_bytes)
    await harness.discord.wait_for(lambda: harness.discord.reactions_on(note).get("✅"))
    assert len(harness.gemini.requests) == 1
    bob = harness.discord.make_user("bob")
    harness.discord.add_member(harness.guild, bob)
    interaction = await harness.discord.invoke_message_command(
        "Transcribe voice note", user=bob, target_message=note
    )
    assert (await interaction.wait_ack()).deferred
    (result,) = await interaction.wait_followups(1, timeout=20)
    assert "Cached words." in result.content
    assert interaction.rejected == []  # acknowledged once, in time: never late nor twice
    assert len(harness.gemini.requests) == 1  # zero Gemini calls for the second request


async def test_ask_answers_with_evidence(harness: Harness, voice_note_bytes: bytes) -> None:
    harness.gemini.enqueue(
        Reply.json(
            {
                "language": "en",
                "answer": "They count to three.",
                "evidence": [{"timestamp": "00:01", "quote": "one two three"}],
            }
        )
    )
    interaction = await harness.discord.invoke_slash_command(
        "ask",
        user=harness.alice,
        channel=harness.channel,
        options={"attachment": attachment(voice_note_bytes), "question": "What do they count?"},
    )
    (result,) = await interaction.wait_followups(1, timeout=20)
    assert "**Answer** · They count to three." in result.content
    assert "What do they count?" in harness.gemini.requests[0].input_parts[0]["text"]


async def test_bad_timestamp_option_is_explained(harness: Harness, voice_note_bytes: bytes) -> None:
    interaction = await harness.discord.invoke_slash_command(
        "transcribe",
        user=harness.alice,
        channel=harness.channel,
        options={"attachment": attachment(voice_note_bytes), "start": "soonish"},
    )
    reply = await interaction.wait_response()  # answered at once, before any download
    assert reply.flags & MessageFlag.EPHEMERAL
    assert "MM:SS, H:MM:SS or a number of seconds" in reply.content
    assert harness.gemini.requests == []


async def test_context_menu_on_a_message_without_audio(harness: Harness) -> None:
    text = await harness.discord.post_message(harness.channel, harness.alice, content="hi")
    interaction = await harness.discord.invoke_message_command(
        "Summarize voice note", user=harness.alice, target_message=text
    )
    response = await interaction.wait_response()
    assert "no audio or video attachment" in response.content
    assert interaction.ack is not None
    assert interaction.ack.ephemeral


async def test_expired_token_delivers_in_the_channel(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    harness.discord.expect_rejection(status=401, code=50027)  # the followup, token dead
    harness.gemini.enqueue(Reply.slow(1.0, Reply.json(transcript_reply("Late but here."))))
    interaction = await harness.discord.invoke_slash_command(
        "transcribe",
        user=harness.alice,
        channel=harness.channel,
        options={"attachment": attachment(voice_note_bytes)},
    )
    await interaction.wait_ack()
    harness.discord.age_interaction(interaction, 16 * 60)

    def delivered() -> list[str]:
        return [m.content for m in harness.bot_messages(harness.channel) if "Late" in m.content]

    await harness.discord.wait_for(delivered, timeout=20)
    (content,) = delivered()
    assert "Late but here." in content
    assert interaction.followups == []


async def test_auto_and_context_menu_on_the_same_note_at_once_cost_one_request(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    harness.answer_slowly(0.8, "Said once.")
    note = await harness.post_note(voice_note_bytes)
    interaction = await harness.discord.invoke_message_command(
        "Transcribe voice note", user=harness.alice, target_message=note
    )
    (result,) = await interaction.wait_followups(1, timeout=20)
    await harness.discord.wait_for(lambda: harness.discord.reactions_on(note).get("✅"))
    assert "Said once." in result.content
    assert any("Said once." in m.content for m in harness.bot_messages(note.id))
    assert len(harness.gemini.requests) == 1


async def test_an_attachment_that_vanished_after_the_token_expired_is_reported_by_dm(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    harness.discord.expect_rejection(status=401, code=50027)  # the followups, token dead
    harness.answer_slowly(1.5, "x")
    for _ in range(2):  # both workers busy: the command's job waits in the queue
        note = await harness.post_note(voice_note_bytes)
        await harness.discord.wait_for(lambda: bool(harness.discord.reactions_on(note)))  # noqa: B023
    storage = harness.bot.core.storage
    interaction = await harness.discord.invoke_slash_command(
        "transcribe",
        user=harness.alice,
        channel=harness.channel,
        options={"attachment": attachment(voice_note_bytes)},
    )
    await interaction.wait_ack()
    # While it waits, the token passes its 15 minutes and the uploaded file disappears.
    harness.discord.age_interaction(interaction, 16 * 60)
    harness.discord.expire_attachment_urls()
    dm = harness.discord.dm_channel(harness.alice)
    await harness.discord.wait_for(lambda: harness.bot_messages(dm), timeout=20)
    (notice,) = harness.bot_messages(dm)
    assert "no longer available" in notice.content
    await harness.wait_jobs_idle()
    # The two notes are the same audio: one request (single flight, then the cache), and
    # nothing at all for the command whose file vanished.
    assert len(harness.gemini.requests) == 1
    assert not await storage.unfinished_jobs()


async def test_the_servers_maximum_duration_applies_to_commands_and_menus(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    """Not only automatic transcription: every entry point obeys the server's own limit."""
    await harness.bot.core.storage.update_guild_settings(harness.guild.id, max_duration_s=2.0)
    command = await harness.discord.invoke_slash_command(
        "transcribe",
        user=harness.alice,
        channel=harness.channel,
        options={"attachment": attachment(voice_note_bytes)},
    )
    refusal = await command.wait_response(timeout=20)  # the deferred response, edited
    assert "long; the limit is 2 s." in refusal.content
    note = await harness.discord.post_message(
        harness.channel, harness.alice, attachments=[attachment(voice_note_bytes)]
    )
    menu = await harness.discord.invoke_message_command(
        "Summarize voice note", user=harness.alice, target_message=note
    )
    refused = await menu.wait_response(timeout=20)
    assert "long; the limit is 2 s." in refused.content
    assert harness.gemini.requests == []
