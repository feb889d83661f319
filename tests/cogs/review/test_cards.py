"""Review cards: one per processed note with every fact, flags that stand out and ping
only the moderator role, refusals that reach moderators, and the notes that get none."""

from __future__ import annotations

from typing import Any

import pytest

from testkit.discord import FakeAttachment
from testkit.discord.permissions import DEFAULT_EVERYONE_PERMISSIONS
from testkit.gemini import Reply
from tests.helpers.harness import transcript_reply
from tests.helpers.review import ReviewWorld, flagged_reply


async def test_a_processed_note_posts_one_card_with_its_facts(
    world: ReviewWorld, voice_note_bytes: bytes
) -> None:
    answer = await world.enable()
    assert "Moderator review: **on**" in answer.content
    reply = transcript_reply("Hello there.", "Fine day.", summary="Alice greets everyone.")
    reply["segments"][1]["emotion"] = "happy"
    note = await world.note(voice_note_bytes, reply)
    (card,) = await world.wait_cards(1)
    embed = world.embed(card)
    assert embed["title"] == "🎙️ Voice note"
    assert embed["description"] == "Alice greets everyone."
    alice = world.h.alice
    assert world.field(card, "Author") == f"alice · `{alice.id}`"
    assert world.field(card, "Channel") == f"<#{world.h.channel.id}>"
    assert world.field(card, "Original") == (
        f"[Jump to the message](https://discord.com/channels/{world.h.guild.id}/"
        f"{world.h.channel.id}/{note.id})"
    )
    assert world.field(card, "Emotions") == "happy 50% · neutral 50%"
    assert world.field(card, "Languages") == "en"
    # The real audio's, as probed: 4.395 s (its last granule; ffmpeg prints 4.39).
    assert world.field(card, "Duration") == "4.4 s"
    assert world.field(card, "Sent").startswith("<t:")
    labels = [b["label"] for row in card.components for b in row["components"]]
    assert labels == ["Mark reviewed", "Flag", "Show transcript", "Delete original", "Re-run"]
    assert card.content == ""
    assert (card.mention_role_ids, card.mention_ids, card.mention_everyone) == ([], [], False)
    assert card.allowed_mentions == {"parse": []}


async def test_a_flagged_note_pings_only_the_moderator_role(
    world: ReviewWorld, distinct_voice_notes: list[bytes]
) -> None:
    await world.enable()
    await world.note(distinct_voice_notes[0], flagged_reply(reason="@everyone <@1> threat"))
    low = flagged_reply(category="spam", severity="low", reason="Ads.")
    await world.note(distinct_voice_notes[1], low)
    flagged, below = await world.wait_cards(2)
    role = world.mods_role.id
    assert flagged.content == f"<@&{role}>"
    assert flagged.allowed_mentions == {"parse": [], "roles": [role]}  # exactly that role
    assert (flagged.mention_role_ids, flagged.mention_ids) == ([role], [])
    assert not flagged.mention_everyone
    assert not flagged.silent
    embed = world.embed(flagged)
    assert embed["title"] == "⚠️ Flagged: threat (high)"
    assert embed["color"] == 0xE74C3C
    assert "@everyone" not in world.field(flagged, "Flags")
    # Below min_severity (medium by default): a card that stands out, without a ping.
    assert (below.content, below.mention_role_ids) == ("", [])
    assert world.embed(below)["title"] == "⚠️ Flagged: spam (low)"
    every_message = world.h.discord.bot_messages()
    assert [m.id for m in every_message if m.mention_role_ids] == [flagged.id]
    assert not any(m.mention_ids or m.mention_everyone for m in every_message)


async def test_a_role_the_bot_cannot_ping_is_kept_with_a_warning(
    world: ReviewWorld, voice_note_bytes: bytes
) -> None:
    shy = world.h.discord.add_role(world.h.guild, "shy-mods")
    guild = world.h.guild
    without = DEFAULT_EVERYONE_PERMISSIONS - {"MENTION_EVERYONE"}
    world.h.discord.edit_role(guild, guild.roles[guild.id], permissions=without)
    await world.h.discord.flush_events()
    answer = await world.admin_review(channel=world.mods, role=shy)
    assert "I can't ping <@&" in answer.content
    assert "Allow anyone to @mention this role" in answer.content
    await world.note(voice_note_bytes, flagged_reply())
    (card,) = await world.wait_cards(1)
    assert card.content == f"<@&{shy.id}>"
    assert card.mention_role_ids == []  # Discord would not notify it: neither do we claim so


async def test_a_safety_refusal_reaches_the_moderators(
    world: ReviewWorld, voice_note_bytes: bytes
) -> None:
    await world.enable(cards="flagged")
    note = await world.note(voice_note_bytes, Reply.refused("prohibited_content"))
    (card,) = await world.wait_cards(1)
    assert world.embed(card)["title"] == "⛔ Gemini refused this note"
    assert world.mods_role.id in card.mention_role_ids
    assert str(note.id) in world.field(card, "Original")
    bot_id = world.h.discord.bot_user.id
    (reply,) = [m for m in world.h.discord.messages_in(world.h.channel) if m.author.id == bot_id]
    assert reply.content == "⚠️ I couldn't transcribe this note."  # the member: neutral


async def test_notes_that_get_no_card(
    world: ReviewWorld, distinct_voice_notes: list[bytes]
) -> None:
    await world.enable(cards="flagged")
    await world.note(distinct_voice_notes[0])  # nothing flagged
    world.h.gemini.enqueue(Reply.json(transcript_reply("Mine only.")))
    private = await world.h.discord.invoke_slash_command(
        "transcribe",
        user=world.dave,
        channel=world.h.channel,
        options={"attachment": _attachment(distinct_voice_notes[1]), "private": True},
    )
    await private.wait_followups(1, timeout=20)
    world.h.gemini.enqueue(Reply.json({"language": "en", "answer": "Yes.", "evidence": []}))
    asked = await world.h.discord.invoke_slash_command(
        "ask",
        user=world.dave,
        channel=world.h.channel,
        options={"attachment": _attachment(distinct_voice_notes[3]), "question": "Angry?"},
    )
    await asked.wait_followups(1, timeout=20)  # a public answer: /ask never makes a card
    world.h.gemini.enqueue(Reply.json(flagged_reply()))  # a flagged DM: still no card
    dm = await world.h.discord.post_dm(
        world.h.alice, attachments=[_attachment(distinct_voice_notes[2])]
    )
    await world.wait_done(dm)
    assert world.h.gemini.pending_replies == 0
    assert world.cards() == []


async def test_an_opted_out_members_note_never_gets_a_card_on_its_own(
    world: ReviewWorld, voice_note_bytes: bytes
) -> None:
    await world.enable()
    await world.h.bot.core.storage.set_opt_out(world.h.alice.id, True)
    world.h.gemini.enqueue(Reply.json(flagged_reply()))
    note = await world.h.discord.post_voice_message(
        world.h.channel, world.h.alice, voice_note_bytes
    )
    menu = await world.h.discord.invoke_message_command(
        "Transcribe voice note", user=world.h.alice, target_message=note
    )  # the author may transcribe her own note: still no card
    await menu.wait_followups(1, timeout=20)
    await world.h.wait_jobs_idle()
    assert world.cards() == []


def _attachment(data: bytes) -> FakeAttachment:
    return FakeAttachment("voice-message.ogg", data, "audio/ogg", voice=True, duration_secs=3.0)


def _properties(schema: dict[str, Any]) -> set[str]:
    """Every property name anywhere in a JSON schema."""
    found = set(schema.get("properties", {}))
    for value in schema.values():
        if isinstance(value, dict):
            found |= _properties(value)
        elif isinstance(value, list):
            found |= {n for item in value if isinstance(item, dict) for n in _properties(item)}
    return found


@pytest.mark.parametrize("output", ["transcript", "summary", "both"])
async def test_one_request_asks_for_what_a_card_needs_whatever_the_output(
    world: ReviewWorld, voice_note_bytes: bytes, output: str
) -> None:
    await world.enable()
    settings = await world.h.discord.invoke_slash_command(
        "voicenotes-admin",
        user=world.admin,
        channel=world.h.channel,
        options={"settings": {"output": output}},
    )
    await settings.wait_response()
    reply: dict[str, Any] = flagged_reply()
    if output == "summary":
        reply = {k: reply[k] for k in ("language", "summary", "flags")}
        reply |= {"key_points": [], "action_items": [], "emotion": "angry"}
    await world.note(voice_note_bytes, reply)
    (request,) = world.h.gemini.requests  # one request, whatever the output mode
    schema = request.response_schema
    assert schema is not None
    assert {"summary", "flags", "emotion"} <= _properties(schema)
    (card,) = await world.wait_cards(1)
    assert world.embed(card)["description"] == "Alice is angry at a neighbour."
    assert world.field(card, "Flags").startswith("threat · high")
    assert world.field(card, "Emotions") == "angry 100%"


async def test_a_redelivered_note_still_has_one_card(
    world: ReviewWorld, voice_note_bytes: bytes
) -> None:
    await world.enable()
    note = await world.note(voice_note_bytes, flagged_reply())
    await world.wait_cards(1)
    await world.h.discord.replay_last(4, event="MESSAGE_CREATE")  # the note's among them
    await world.wait_done(note)
    # Another job of the same note (the context menu) updates that card, never a second.
    summary = {k: v for k, v in flagged_reply(summary="Heard again.").items() if k != "segments"}
    summary |= {"key_points": [], "action_items": [], "emotion": "angry"}
    world.h.gemini.enqueue(Reply.json(summary))
    menu = await world.h.discord.invoke_message_command(
        "Summarize voice note", user=world.dave, target_message=note
    )
    await menu.wait_followups(1, timeout=20)
    await world.wait_done(note)
    (card,) = world.cards()
    assert world.embed(card)["description"] == "Heard again."
    assert len(world.h.gemini.requests) == 2


async def test_an_uploaded_files_card_jumps_to_the_bots_reply(
    world: ReviewWorld, voice_note_bytes: bytes
) -> None:
    await world.enable()
    world.h.gemini.enqueue(Reply.json(flagged_reply(summary="An uploaded rant.")))
    upload = await world.h.discord.invoke_slash_command(
        "transcribe",
        user=world.dave,
        channel=world.h.channel,
        options={"attachment": _attachment(voice_note_bytes)},
    )
    (reply, *_) = await upload.wait_followups(1, timeout=20)
    (card,) = await world.wait_cards(1)
    assert world.field(card, "Author").startswith("dave · ")
    assert world.field(card, "Original") == (
        f"[Jump to the message](https://discord.com/channels/{world.h.guild.id}/"
        f"{reply.channel_id}/{reply.id})"
    )
    # Its "original" is the bot's reply: deleting it needs no Manage Messages for the bot.
    ask = await world.click(card, "Delete original", world.carol)
    assert ask.original is not None
    confirm = await world.h.discord.click_button(
        ask.original, world.custom_id(ask.original, "Yes, delete it"), user=world.carol
    )
    await confirm.wait_ack()
    await world.h.discord.wait_for(lambda: world.h.discord.message(reply.id).deleted)
    await world.h.discord.wait_for(lambda: world.embed(card)["title"].startswith("🪦"))
