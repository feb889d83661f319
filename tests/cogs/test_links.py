"""The ``link`` option end to end: YouTube videos (Gemini fetches them; nothing is
downloaded), message links resolved under Discord's own visibility rules, and every other
URL refused without a request to it."""

from __future__ import annotations

from bot.jobs import OPTED_OUT_MESSAGE
from cogs._links import NOT_A_LINK_WE_TAKE, NOT_FOUND, OTHER_SERVER
from cogs.voice_commands import EXACTLY_ONE, LINKS_OFF
from testkit.discord import (
    FakeAttachment,
    FakeChannel,
    FakeInteraction,
    MessageFlag,
    StoredMessage,
)
from testkit.gemini import Reply
from tests.helpers.harness import Harness, transcript_reply
from tests.helpers.loopback import recording_server

VIDEO_ID = "dQw4w9WgXcQ"


async def run(harness: Harness, command: str, **options: object) -> FakeInteraction:
    """Alice runs ``/command`` with ``options`` in the default channel."""
    return await harness.discord.invoke_slash_command(
        command, user=harness.alice, channel=harness.channel, options=options
    )


async def refusal(harness: Harness, command: str, **options: object) -> StoredMessage:
    """The private refusal of a command that must not start any work."""
    interaction = await run(harness, command, **options)
    answer = await interaction.wait_response()
    assert answer.flags & MessageFlag.EPHEMERAL
    return answer


async def test_a_youtube_link_reaches_gemini_as_a_canonical_video_uri(harness: Harness) -> None:
    await harness.bot.core.storage.update_guild_settings(harness.guild.id, links_enabled=True)
    url = harness.gemini.youtube.add(VIDEO_ID, 90.0)
    harness.gemini.enqueue(Reply.json(transcript_reply("Never gonna give you up.")))
    interaction = await run(harness, "transcribe", link=f"https://youtu.be/{VIDEO_ID}?si=x&t=5")
    (reply,) = await interaction.wait_followups(1, timeout=20)
    (request,) = harness.gemini.requests
    assert request.input_parts[-1]["type"] == "video"
    assert request.input_parts[-1]["uri"] == url == f"https://www.youtube.com/watch?v={VIDEO_ID}"
    assert request.audio_parts == []
    assert harness.discord.cdn_fetches == []  # nothing downloaded, from anywhere
    assert "Never gonna give you up." in reply.content
    assert "🎬 YouTube video" in reply.content
    assert "2,880 audio" in reply.content
    document = harness.json_attachment(reply)
    assert document["source"]["uri"] == url
    assert document["usage"]["audio_tokens"] == 90 * 32


async def test_video_links_are_off_unless_the_server_turns_them_on(harness: Harness) -> None:
    harness.gemini.youtube.add(VIDEO_ID, 90.0)
    answer = await refusal(harness, "summarize", link=f"https://www.youtube.com/watch?v={VIDEO_ID}")
    assert answer.content == f"⚠️ {LINKS_OFF}"
    assert harness.gemini.requests == []


async def test_other_urls_are_refused_and_never_fetched(harness: Harness) -> None:
    await harness.bot.core.storage.update_guild_settings(harness.guild.id, links_enabled=True)
    async with recording_server(b"OggS") as (port, hits):
        for link in (
            f"http://127.0.0.1:{port}/voice.ogg",
            f"http://localhost:{port}/watch?v={VIDEO_ID}",
            "https://example.com/video.mp4",
            f"https://www.youtube.com.example.com/watch?v={VIDEO_ID}",
        ):
            answer = await refusal(harness, "transcribe", link=link)
            assert answer.content == f"⚠️ {NOT_A_LINK_WE_TAKE}"
    assert hits == []  # the loopback server never heard from the bot
    assert harness.gemini.requests == []


async def test_exactly_one_of_attachment_and_link(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    note = FakeAttachment("note.ogg", voice_note_bytes, "audio/ogg")
    both = await refusal(harness, "transcribe", attachment=note, link="https://youtu.be/x")
    neither = await refusal(harness, "ask", question="What?")
    assert both.content == neither.content == f"⚠️ {EXACTLY_ONE}"


def message_link(harness: Harness, channel: FakeChannel | int, message_id: int) -> str:
    channel_id = channel if isinstance(channel, int) else channel.id
    return f"https://discord.com/channels/{harness.guild.id}/{channel_id}/{message_id}"


async def bob_posts_a_note(harness: Harness, data: bytes, channel: FakeChannel) -> StoredMessage:
    bob = harness.discord.make_user("bob")
    harness.discord.add_member(harness.guild, bob)
    return await harness.discord.post_voice_message(channel, bob, data)


async def test_a_hidden_channel_answers_exactly_like_a_missing_message(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    secret = harness.discord.add_text_channel(harness.guild, "secret")
    harness.discord.set_permissions(secret, harness.alice, denied={"VIEW_CHANNEL"})
    await harness.discord.flush_events()
    await harness.bot.core.storage.update_guild_settings(harness.guild.id, auto_mode="off")
    hidden = await bob_posts_a_note(harness, voice_note_bytes, secret)
    before = len(harness.discord.requests)
    to_hidden = await refusal(harness, "transcribe", link=message_link(harness, secret, hidden.id))
    no_channel = await refusal(harness, "transcribe", link=message_link(harness, 424242, hidden.id))
    asked = harness.discord.requests[before:]
    assert not [r for r in asked if "/messages/" in r.path and r.method == "GET"]  # no fetch
    harness.discord.expect_rejection(status=404, code=10008)  # the missing one is looked up
    missing = message_link(harness, harness.channel, hidden.id + 999)
    to_missing = await refusal(harness, "transcribe", link=missing)
    assert to_hidden.content == no_channel.content == to_missing.content == f"⚠️ {NOT_FOUND}"
    assert harness.gemini.requests == []


async def test_a_message_link_transcribes_that_note_under_its_authors_consent(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    await harness.bot.core.storage.update_guild_settings(harness.guild.id, auto_mode="off")
    other = harness.discord.add_text_channel(harness.guild, "other")
    note = await bob_posts_a_note(harness, voice_note_bytes, other)
    harness.gemini.enqueue(Reply.json(transcript_reply("Bob's words.")))
    interaction = await run(harness, "transcribe", link=message_link(harness, other, note.id))
    (reply,) = await interaction.wait_followups(1, timeout=20)
    assert "Bob's words." in reply.content
    (job,) = await harness.bot.core.storage.jobs_for_message(note.id)
    assert (job.author_id, job.requester_id, job.source_channel_id) == (
        note.author.id,
        harness.alice.id,
        other.id,
    )
    await harness.bot.core.storage.set_opt_out(note.author.id, True)
    answer = await refusal(harness, "summarize", link=message_link(harness, other, note.id))
    assert answer.content == f"⚠️ {OPTED_OUT_MESSAGE}"


async def test_message_links_stay_in_their_server(harness: Harness) -> None:
    link = f"https://discord.com/channels/1234/{harness.channel.id}/5678"
    answer = await refusal(harness, "transcribe", link=link)
    assert answer.content == f"⚠️ {OTHER_SERVER}"
