"""The end of the failure chain: a refusal reaches the person whichever way still works,
and never in public for a private request."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from testkit.discord import FakeAttachment, FakeUser, MessageFlag, StoredMessage
from testkit.gemini import Reply
from tests.helpers.harness import Harness

REFUSED = Reply.bad_request("Request contains an invalid argument.")


def note(data: bytes) -> FakeAttachment:
    return FakeAttachment("note.ogg", data, "audio/ogg")


def public_messages(harness: Harness) -> list[StoredMessage]:
    """What the bot left in the server for everyone to read (DMs and ephemerals aside)."""
    return [
        m
        for m in harness.bot_messages()
        if m.guild_id is not None and not m.deleted and not m.ephemeral
    ]


async def test_a_refusal_is_the_deferred_response_edited_into_it(
    harness: Harness, hostile_files: dict[str, Path]
) -> None:
    data = hostile_files["text"].read_bytes()
    interaction = await harness.discord.invoke_slash_command(
        "transcribe",
        user=harness.alice,
        channel=harness.channel,
        options={"attachment": FakeAttachment("notes.wav", data, "audio/wav")},
    )
    response = await interaction.wait_response(timeout=20)
    assert response.content.startswith("⚠️ ")
    assert not response.deleted
    assert interaction.followups == []  # one message: the request's own, edited
    assert response.allowed_mentions == {"parse": []}


async def _dismissed_private_request(harness: Harness, user: FakeUser, data: bytes) -> None:
    """``user`` asks privately, dismisses the "thinking…" response, and Gemini refuses."""
    harness.discord.expect_rejection(code=10008)  # editing the dismissed response
    harness.gemini.enqueue(Reply.slow(1.0, REFUSED))
    interaction = await harness.discord.invoke_slash_command(
        "transcribe",
        user=user,
        channel=harness.channel,
        options={"attachment": note(data), "private": True},
    )
    assert (await interaction.wait_ack()).ephemeral
    await harness.discord.wait_for(lambda: bool(harness.gemini.requests))
    harness.discord.dismiss_response(interaction)
    await harness.wait_jobs_idle()


async def test_when_the_response_is_gone_the_refusal_comes_by_dm(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    await _dismissed_private_request(harness, harness.alice, voice_note_bytes)
    (dm,) = harness.discord.messages_in(harness.discord.dm_channel(harness.alice))
    assert dm.content.startswith("⚠️ Gemini rejected the request")
    assert public_messages(harness) == []


async def test_a_private_request_never_falls_back_to_the_channel(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    bob = harness.discord.make_user("bob", dms_open=False)
    harness.discord.add_member(harness.guild, bob)
    harness.discord.expect_rejection(code=50007)  # his DMs are closed
    await _dismissed_private_request(harness, bob, voice_note_bytes)
    assert public_messages(harness) == []  # nowhere private was left: nothing public either


async def test_a_public_request_whose_dms_are_closed_is_answered_in_its_channel(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    bob = harness.discord.make_user("bob", dms_open=False)
    harness.discord.add_member(harness.guild, bob)
    harness.discord.expect_rejection(code=10008)  # the dismissed response
    harness.discord.expect_rejection(code=50007)  # his DMs are closed
    harness.gemini.enqueue(Reply.slow(1.0, REFUSED))
    interaction = await harness.discord.invoke_slash_command(
        "transcribe",
        user=bob,
        channel=harness.channel,
        options={"attachment": note(voice_note_bytes)},
    )
    await interaction.wait_ack()
    await harness.discord.wait_for(lambda: bool(harness.gemini.requests))
    harness.discord.dismiss_response(interaction)
    await harness.wait_jobs_idle()
    (told,) = public_messages(harness)
    assert told.content.startswith(f"<@{bob.id}> ⚠️ Gemini rejected the request")
    assert told.mention_ids == []  # named, never pinged
    assert not told.flags & MessageFlag.EPHEMERAL


async def _late_bad_option(harness: Harness, user: FakeUser, *, private: bool) -> None:
    """A refusal the error handler must deliver after the 3-second window closed: the
    response is refused (10062) and there is no followup webhook without an ack."""
    harness.discord.expect_rejection(code=10062)  # too late for the response
    harness.discord.expect_rejection(status=404)  # no followup webhook without an ack
    options: dict[str, object] = {"attachment": note(b"OggS"), "start": "soonish"}
    if private:
        options["private"] = True
    interaction = await harness.discord.invoke_slash_command(
        "transcribe", user=user, channel=harness.channel, options=options
    )
    harness.discord.age_interaction(interaction, 4.0)  # before the bot gets to answer
    await interaction.wait_rejections(1)


async def test_the_error_handler_tells_a_private_requester_by_dm_never_in_public(
    harness: Harness,
) -> None:
    await _late_bad_option(harness, harness.alice, private=True)
    dms = harness.discord.dm_channel(harness.alice)
    await harness.discord.wait_for(lambda: harness.discord.messages_in(dms))
    (dm,) = harness.discord.messages_in(dms)
    assert "MM:SS, H:MM:SS or a number of seconds" in dm.content
    assert public_messages(harness) == []


async def test_the_error_handler_answers_in_the_channel_only_for_a_public_request(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    bob = harness.discord.make_user("bob", dms_open=False)
    harness.discord.add_member(harness.guild, bob)
    harness.discord.expect_rejection(code=50007)  # DMs closed: bob's, then carol's
    await _late_bad_option(harness, bob, private=False)
    await harness.discord.wait_for(lambda: public_messages(harness))
    (told,) = public_messages(harness)
    assert told.content.startswith(f"<@{bob.id}> ⚠️ I couldn't read start")
    assert told.mention_ids == []
    carol = harness.discord.make_user("carol", dms_open=False)
    harness.discord.add_member(harness.guild, carol)
    caplog.set_level(logging.WARNING, logger="cogs.errors")
    await _late_bad_option(harness, carol, private=True)
    await harness.discord.wait_for(lambda: "could not answer anywhere" in caplog.text)
    assert len(public_messages(harness)) == 1  # carol asked privately: nothing public for her
