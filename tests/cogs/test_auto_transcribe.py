"""Voice messages in, thread replies out: end to end on the fake Discord and fake Gemini."""

from __future__ import annotations

import asyncio
import re

import discord
import pytest

from bot.audio import WORKSPACE_PREFIX
from bot.gemini import quota_reset_after
from bot.model import TranscriptDocument
from bot.render import render_discord_lines
from testkit.discord import FakeAttachment, MessageFlag
from testkit.gemini import Reply
from tests.helpers.harness import Harness, transcript_reply


async def test_voice_message_gets_a_thread_with_transcript_and_json(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    harness.gemini.enqueue(Reply.json(transcript_reply("Testing one two three.")))
    note = await harness.post_note(voice_note_bytes)
    await harness.discord.wait_for(lambda: harness.discord.reactions_on(note).get("✅"))
    (thread,) = harness.discord.threads_in(harness.channel)
    assert thread.id == note.id
    stamp = discord.utils.snowflake_time(note.id).strftime("%d %b %H:%M")
    assert thread.name == f"Voice note · alice · {stamp}"
    (reply,) = harness.bot_messages(thread)
    assert "**Summary** · A short test note." in reply.content
    assert "`00:00` **Speaker 1** · 😐 · Testing one two three." in reply.content
    document = harness.json_attachment(reply)
    assert document["kind"] == "transcript"
    assert document["source"]["mime_type"] == "audio/ogg"
    assert document["source"]["duration_s"] > 1
    assert document["segments"][0]["content"] == "Testing one two three."
    assert reply.allowed_mentions == {"parse": []}
    assert reply.flags & MessageFlag.SUPPRESS_NOTIFICATIONS
    sent = harness.gemini.requests[0]
    assert sent.audio_parts[0]["mime_type"] == "audio/ogg"
    assert sent.body["store"] is False
    assert "⏳" not in harness.discord.reactions_on(note)
    assert not list(harness.work_dir.glob(f"{WORKSPACE_PREFIX}*"))


async def test_hostile_transcript_text_pings_nobody_and_formats_nothing(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    team = harness.discord.add_role(harness.guild, "team")
    # A member and a role the fake knows: were mentions parsed, they would ping.
    pings = f"<@{harness.alice.id}> <@&{team.id}>"
    hostile = f"@everyone @here {pings} **bold** [click](https://evil.example) `x`"
    harness.gemini.enqueue(Reply.json(transcript_reply(hostile, summary="@everyone look")))
    note = await harness.post_note(voice_note_bytes)
    await harness.discord.wait_for(lambda: harness.discord.reactions_on(note).get("✅"))
    assert harness.bot_messages()
    for message in harness.bot_messages():
        assert message.mention_ids == []
        assert message.mention_role_ids == []
        assert not message.mention_everyone
        assert message.allowed_mentions == {"parse": []}
        assert "@everyone" not in message.content
        assert not re.search(r"(?<!\\)\*\*bold", message.content)
        assert not re.search(r"(?<!\\)\[click", message.content)


async def test_replayed_message_create_is_answered_once(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    harness.gemini.set_responder(lambda _r: Reply.json(transcript_reply("Once only.")))
    note = await harness.post_note(voice_note_bytes)
    await harness.discord.replay_last(1, event="MESSAGE_CREATE")
    await harness.discord.wait_for(lambda: harness.discord.reactions_on(note).get("✅"))
    await harness.wait_jobs_idle()
    assert len(harness.gemini.requests) == 1
    assert len(harness.discord.threads_in(harness.channel)) == 1
    replies = [m for m in harness.bot_messages() if "Once only." in m.content]
    assert len(replies) == 1


async def test_long_transcript_is_split_at_whole_lines_and_nothing_is_lost(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    lines = [f"Sentence {i:03d} " + "lorem ipsum dolor sit amet " * 12 for i in range(120)]
    reply = transcript_reply(*lines)
    for index, segment in enumerate(reply["segments"]):
        segment["timestamp"] = "00:00" if index == 0 else "00:01"
    assert sum(len(line) for line in lines) > 40_000
    harness.gemini.enqueue(Reply.json(reply))
    note = await harness.post_note(voice_note_bytes)
    await harness.discord.wait_for(lambda: harness.discord.reactions_on(note).get("✅"))
    messages = harness.bot_messages(note.id)
    assert harness.discord.rejected_requests == []  # every part accepted at the first try
    document = harness.json_attachment(messages[-1])
    assert [s["content"] for s in document["segments"]] == [line.strip() for line in lines]
    # The exact split: whole rendered lines in order, each message as full as 2000
    # characters allow, then a note counting the lines left to the attachments.
    rendered = render_discord_lines(TranscriptDocument.model_validate(document))
    *texts, note_text = [m.content for m in messages]
    assert len(texts) == harness.bot.core.settings.inline_message_cap - 1
    shown = [line for text in texts for line in text.split("\n")]
    assert shown == rendered[: len(shown)]
    ends = [sum(len(t.split("\n")) for t in texts[: i + 1]) for i in range(len(texts))]
    assert all(len(t) + 1 + len(rendered[end]) > 2000 for t, end in zip(texts, ends, strict=True))
    hidden = len(rendered) - len(shown)
    assert note_text.startswith(f"📎 {hidden} more lines are in the attached transcript")
    text = next(a for a in messages[-1].attachments if a.filename == "transcript.txt")
    assert all(line.strip() in text.data.decode() for line in lines)


@pytest.mark.parametrize("cache_knows", [True, False], ids=["known", "stale-cache"])
async def test_thread_denied_falls_back_to_a_reply(
    harness: Harness, voice_note_bytes: bytes, cache_knows: bool
) -> None:
    harness.discord.set_bot_permissions(
        harness.channel, denied={"CREATE_PUBLIC_THREADS"}, notify=cache_knows
    )
    if not cache_knows:  # the bot's cache still says it may: it asks once, and is refused
        harness.discord.expect_rejection(status=403, code=50013)
    harness.gemini.enqueue(Reply.json(transcript_reply("Reply please.")))
    note = await harness.post_note(voice_note_bytes)
    await harness.discord.wait_for(lambda: harness.discord.reactions_on(note).get("✅"))
    assert harness.discord.threads_in(harness.channel) == []
    (reply,) = harness.bot_messages(harness.channel)
    assert reply.message_reference is not None
    assert int(reply.message_reference["message_id"]) == note.id
    tries = harness.discord.requests_to("POST", r"/channels/\d+/messages/\d+/threads")
    # Not asked when the bot knows it may not (a 403 counts toward Discord's IP ban);
    # asked once, with no loop, when its cache was stale.
    assert len(tries) == (0 if cache_knows else 1)


async def test_voice_message_in_an_existing_thread_is_answered_in_place(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    thread = harness.discord.add_thread(harness.channel, "chat")
    harness.gemini.enqueue(Reply.json(transcript_reply("In a thread.")))
    note = await harness.discord.post_voice_message(thread, harness.alice, voice_note_bytes)
    await harness.discord.wait_for(lambda: harness.discord.reactions_on(note).get("✅"))
    (reply,) = harness.bot_messages(thread)
    assert "In a thread." in reply.content
    assert len(harness.discord.threads_in(harness.channel)) == 1  # only the one we made


async def test_forum_post_is_answered_in_place(harness: Harness, voice_note_bytes: bytes) -> None:
    forum = harness.discord.add_forum_channel(harness.guild, "voice-forum")
    post = harness.discord.add_thread(forum, "My post")
    harness.gemini.enqueue(Reply.json(transcript_reply("Forum note.")))
    note = await harness.discord.post_voice_message(post, harness.alice, voice_note_bytes)
    await harness.discord.wait_for(lambda: harness.discord.reactions_on(note).get("✅"))
    (reply,) = harness.bot_messages(post)
    assert "Forum note." in reply.content


async def test_dm_voice_message_is_answered_directly(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    harness.gemini.enqueue(Reply.json(transcript_reply("Private words.")))
    voice = FakeAttachment(
        "voice-message.ogg", voice_note_bytes, "audio/ogg", voice=True, duration_secs=3.0
    )
    note = await harness.discord.post_dm(harness.alice, attachments=[voice])
    await harness.discord.wait_for(lambda: harness.bot_messages(note.channel_id))
    (reply,) = harness.bot_messages(note.channel_id)
    assert "Private words." in reply.content
    assert harness.discord.threads == []


async def test_bad_audio_gets_a_clear_message_and_the_next_note_still_works(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    bogus = FakeAttachment(
        "voice-message.ogg", b"\x00garbage" * 64, "audio/ogg", voice=True, duration_secs=3.0
    )
    bad = await harness.discord.post_message(harness.channel, harness.alice, attachments=[bogus])
    await harness.discord.wait_for(lambda: harness.discord.reactions_on(bad).get("⚠️"))
    (error,) = harness.bot_messages(harness.channel)
    assert error.content.startswith("⚠️ ")
    assert "Traceback" not in error.content
    assert harness.gemini.requests == []
    harness.gemini.enqueue(Reply.json(transcript_reply("Still working.")))
    good = await harness.post_note(voice_note_bytes)
    await harness.discord.wait_for(lambda: harness.discord.reactions_on(good).get("✅"))
    assert not list(harness.work_dir.glob(f"{WORKSPACE_PREFIX}*"))


async def test_gemini_overloaded_is_explained_and_retried(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    harness.gemini.enqueue(Reply.unavailable(), Reply.unavailable())
    harness.gemini.set_responder(lambda _r: Reply.json(transcript_reply("After the storm.")))
    note = await harness.post_note(voice_note_bytes)
    await harness.discord.wait_for(lambda: harness.discord.reactions_on(note).get("✅"))
    texts = [m.content for m in harness.bot_messages()]
    assert any("Gemini is overloaded right now" in t and "retry" in t for t in texts)
    assert any("After the storm." in t for t in texts)


async def test_a_used_up_daily_quota_says_when_the_note_will_be_done_and_does_it_then(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    harness.gemini.set_responder(lambda _r: Reply.quota_exceeded())
    note = await harness.post_note(voice_note_bytes)

    def told() -> list[str]:
        return [m.content for m in harness.bot_messages() if "daily quota" in m.content]

    await harness.discord.wait_for(lambda: bool(told()))
    resume = quota_reset_after(harness.clock())
    (message,) = told()
    assert message == (
        "⚠️ Gemini's daily quota for this bot is used up; your note is queued and will be "
        f"processed after {resume:%H:%M} UTC (midnight Pacific time)."
    )  # when, plainly: no "retry shortly"
    assert not harness.discord.reactions_on(note).get("⚠️")  # not a failure
    harness.gemini.set_responder(lambda _r: Reply.json(transcript_reply("After midnight.")))
    harness.clock.advance((resume - harness.clock()).total_seconds())  # no job runs meanwhile
    await harness.discord.wait_for(lambda: harness.discord.reactions_on(note).get("✅"))
    assert any("After midnight." in m.content for m in harness.bot_messages())
    assert len(told()) == 1  # told once


async def test_ordinary_messages_and_bots_are_ignored(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    await harness.discord.post_message(harness.channel, harness.alice, content="hello")
    robot = harness.discord.make_user("robot", bot=True)
    from_bot = await harness.discord.post_voice_message(harness.channel, robot, voice_note_bytes)
    # A person's note after them: once it is answered, the bot has seen the others too
    # (it handles messages in order) and must have left them alone.
    harness.gemini.enqueue(Reply.json(transcript_reply("Only this one.")))
    note = await harness.post_note(voice_note_bytes)
    await harness.discord.wait_for(lambda: harness.discord.reactions_on(note).get("✅"))
    await harness.wait_jobs_idle()
    assert await harness.bot.core.storage.jobs_for_message(from_bot.id) == []
    assert harness.discord.reactions_on(from_bot) == {}
    assert [t.id for t in harness.discord.threads_in(harness.channel)] == [note.id]
    assert len(harness.gemini.requests) == 1


async def test_waiting_notes_are_told_their_queue_position(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    harness.answer_slowly(1.0, "Waited words.")
    notes = await harness.post_queued_notes(voice_note_bytes, 4)  # two workers: two wait
    last = notes[-1]
    await harness.queued_message(last)
    for note in notes:
        await harness.discord.wait_for(harness.reacted(note, "✅"), timeout=30)
    remaining = [m for m in harness.bot_messages(last.id) if not m.deleted]
    assert [m for m in remaining if "Queued: " in m.content] == []  # removed once answered
    assert any("Waited words." in m.content for m in remaining)


async def test_a_job_is_done_without_waiting_for_its_reactions(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    """Discord allows one reaction change per 0.25 s per channel and discord.py sleeps out
    an exhausted bucket inside the request: swapping ⏳ for ✅ takes two changes, which the
    job must not wait for (its worker would be held after every reply)."""
    harness.gemini.enqueue(Reply.json(transcript_reply("Quick one.")))
    note = await harness.post_note(voice_note_bytes)
    storage = harness.bot.core.storage
    seen_at_done: dict[str, list[int]] | None = None
    while seen_at_done is None:  # the moment the job is finished, what does the note show?
        jobs = await storage.jobs_for_message(note.id)
        if jobs and jobs[0].status.value == "done":
            seen_at_done = dict(harness.discord.reactions_on(note))
        await asyncio.sleep(0.005)
    assert "✅" not in seen_at_done  # the swap was still under way
    await harness.discord.wait_for(harness.reacted(note, "✅"))
    assert "⏳" not in harness.discord.reactions_on(note)  # and done in order
