"""Daily quotas and opt-outs, end to end: what reaches the member, and what reaches Gemini."""

from __future__ import annotations

import logging

import pytest

from bot.jobs import OPTED_OUT_MESSAGE
from testkit.discord import FakeAttachment, FakeUser, MessageFlag, StoredMessage
from testkit.discord.interactions import FakeInteraction
from testkit.gemini import Reply
from tests.helpers.harness import Harness, transcript_reply

DAY = 86400.0
HOUR_USED_UP = (
    "⚠️ All of your daily audio allowance of 1 h is used up (1 h today). "
    "It resets at 00:00 UTC, in 12 h."
)


def member(harness: Harness, name: str, *permissions: str) -> FakeUser:
    user = harness.discord.make_user(name)
    harness.discord.add_member(harness.guild, user, permissions=list(permissions) or None)
    return user


async def use_the_day(harness: Harness, user: FakeUser) -> None:
    """``user`` already had a full hour of audio processed today (the default allowance)."""
    await harness.bot.core.storage.add_usage(
        guild_id=harness.guild.id, user_id=user.id, audio_s=3600, tokens_in=0, tokens_out=0
    )


async def transcribe(
    harness: Harness, user: FakeUser, data: bytes, translate_to: str = "English"
) -> FakeInteraction:
    attachment = FakeAttachment("note.ogg", data, "audio/ogg")
    return await harness.discord.invoke_slash_command(
        "transcribe",
        user=user,
        channel=harness.channel,
        options={"attachment": attachment, "translate_to": translate_to},
    )


async def menu(harness: Harness, user: FakeUser, note: StoredMessage) -> FakeInteraction:
    return await harness.discord.invoke_message_command(
        "Transcribe voice note", user=user, target_message=note
    )


async def test_note_over_the_daily_quota_is_refused_until_the_next_day(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    harness.clock.advance_to_midday()
    await use_the_day(harness, harness.alice)
    note = await harness.post_note(voice_note_bytes)
    await harness.discord.wait_for(lambda: harness.discord.reactions_on(note).get("⚠️"))
    (refusal,) = harness.bot_messages(harness.channel)
    assert refusal.content == HOUR_USED_UP
    assert harness.gemini.requests == []
    await harness.wait_jobs_idle()
    harness.clock.advance(DAY)
    harness.gemini.enqueue(Reply.json(transcript_reply("A new day.")))
    again = await harness.post_note(voice_note_bytes)
    await harness.discord.wait_for(lambda: harness.discord.reactions_on(again).get("✅"))
    assert len(harness.gemini.requests) == 1


async def test_exempt_role_lifts_the_user_quota_set_by_an_admin(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    # @everyone: the fake sends no GUILD_ROLE_CREATE for roles made after the bot connected,
    # so a new role would be unknown to the bot's cache (Member.roles drops unknown roles).
    everyone = harness.guild.roles[harness.guild.id]
    harness.clock.advance_to_midday()
    owner = member(harness, "owner", "MANAGE_GUILD")
    await use_the_day(harness, harness.alice)
    refusal = await (await transcribe(harness, harness.alice, voice_note_bytes)).wait_response()
    assert refusal.content == HOUR_USED_UP
    grant = await harness.discord.invoke_slash_command(
        "voicenotes-admin",
        user=owner,
        channel=harness.channel,
        options={"exempt": {"role": everyone}},
    )
    assert f"Quota-exempt roles: <@&{everyone.id}>" in (await grant.wait_response()).content
    harness.gemini.enqueue(Reply.json(transcript_reply("Exempt now.")))
    interaction = await transcribe(harness, harness.alice, voice_note_bytes)
    (result,) = await interaction.wait_followups(1, timeout=20)
    assert "Exempt now." in result.content
    revoke = await harness.discord.invoke_slash_command(
        "voicenotes-admin",
        user=owner,
        channel=harness.channel,
        options={"exempt": {"role": everyone, "remove": True}},
    )
    assert "Quota-exempt roles: **none**" in (await revoke.wait_response()).content
    # Other options: a cached result would be served without touching the quota.
    late_request = await transcribe(harness, harness.alice, voice_note_bytes, "German")
    late = await late_request.wait_response()
    assert late.content == HOUR_USED_UP
    assert len(harness.gemini.requests) == 1
    entries = await harness.bot.core.storage.audit_log(harness.guild.id)
    assert [(e.action, e.detail["exempt"]) for e in entries] == [
        ("settings.exempt_role", False),
        ("settings.exempt_role", True),
    ]


async def opt_out(harness: Harness, user: FakeUser) -> None:
    interaction = await harness.discord.invoke_slash_command(
        "voicenotes", user=user, channel=harness.channel, options={"optout": {}}
    )
    assert (await interaction.wait_response()).flags & MessageFlag.EPHEMERAL


async def test_opted_out_notes_are_left_alone_silently(
    harness: Harness, voice_note_bytes: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="cogs.auto_transcribe")
    await opt_out(harness, harness.alice)
    note = await harness.post_note(voice_note_bytes)
    await harness.discord.wait_for(lambda: "author opted out" in caplog.text)
    await harness.wait_jobs_idle()
    assert await harness.bot.core.storage.jobs_for_message(note.id) == []
    assert harness.discord.reactions_on(note) == {}
    assert [m for m in harness.bot_messages() if not m.interaction_metadata] == []
    assert harness.gemini.requests == []


async def test_other_members_are_refused_the_author_and_moderators_are_not(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    storage = harness.bot.core.storage
    await opt_out(harness, harness.alice)
    note = await harness.post_note(voice_note_bytes)
    bob = member(harness, "bob")
    refused = await menu(harness, bob, note)
    reply = await refused.wait_response()
    assert reply.content == f"⚠️ {OPTED_OUT_MESSAGE}"
    assert reply.flags & MessageFlag.EPHEMERAL
    assert await storage.jobs_for_message(note.id) == []
    assert harness.gemini.requests == []

    harness.gemini.enqueue(Reply.json(transcript_reply("My own words.")))
    (own,) = await (await menu(harness, harness.alice, note)).wait_followups(1, timeout=20)
    assert "My own words." in own.content
    mod = member(harness, "mod", "MANAGE_MESSAGES")
    (override,) = await (await menu(harness, mod, note)).wait_followups(1, timeout=20)
    assert "My own words." in override.content
    entries = await storage.audit_log(harness.guild.id)  # newest first
    assert [(e.action, e.actor_id) for e in entries] == [
        ("optout.override", mod.id),
        ("optout.set", harness.alice.id),
    ]
    assert entries[0].detail == {
        "author_id": harness.alice.id,
        "channel_id": harness.channel.id,
        "message_id": note.id,
        "mode": "transcript",
    }


async def test_a_note_still_queued_when_its_author_opts_out_is_dropped_silently(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    storage = harness.bot.core.storage
    harness.answer_slowly(1.5, "x")
    bob = member(harness, "bob")
    for _ in range(2):  # both workers busy with bob's notes
        busy = await harness.discord.post_voice_message(harness.channel, bob, voice_note_bytes)
        await harness.discord.wait_for(lambda: bool(harness.discord.reactions_on(busy)))  # noqa: B023
    waiting = await harness.post_note(voice_note_bytes)
    await harness.discord.wait_for(lambda: bool(harness.discord.reactions_on(waiting)))
    await storage.set_opt_out(harness.alice.id, True)
    await harness.wait_jobs_idle()
    (job,) = await storage.jobs_for_message(waiting.id)
    assert job.status.value == "failed"
    assert harness.discord.reactions_on(waiting) == {}  # ⏳ taken away, nothing added
    replies = [m for m in harness.bot_messages() if "opted out" in m.content]
    assert replies == []
