"""A card's buttons: each works for a moderator, and anyone else gets a private refusal
while nothing changes."""

from __future__ import annotations

from testkit.discord import FakeInteraction, StoredMessage
from testkit.gemini import Reply
from tests.helpers.harness import transcript_reply
from tests.helpers.review import ReviewWorld, flagged_reply

NOT_A_MODERATOR = (
    "⚠️ Only moderators can do this: members with Manage Messages or the moderator role."
)


async def refused_privately(world: ReviewWorld, card: StoredMessage, label: str) -> None:
    """Dave (a member) clicks: a private refusal, and the card stays as it was."""
    before = len(world.h.discord.message(card.id).edits)
    click = await world.click(card, label, world.dave)
    assert click.ack is not None
    assert (click.ack.type, click.ack.ephemeral) == (4, True)
    assert click.original is not None
    assert click.original.content == NOT_A_MODERATOR
    assert len(world.h.discord.message(card.id).edits) == before
    log = await world.h.bot.core.storage.audit_log(world.h.guild.id)
    assert not [e for e in log if e.actor_id == world.dave.id]


async def wait_edited(world: ReviewWorld, card: StoredMessage, edits: int) -> None:
    await world.h.discord.wait_for(
        lambda: len(world.h.discord.message(card.id).edits) >= edits, what="the card edited"
    )


async def test_mark_reviewed_and_flag_edit_the_card_in_place(
    world: ReviewWorld, voice_note_bytes: bytes
) -> None:
    await world.enable()
    await world.note(voice_note_bytes)
    (card,) = await world.wait_cards(1)
    await refused_privately(world, card, "Mark reviewed")
    click = await world.click(card, "Mark reviewed", world.bob)
    assert click.ack is not None
    assert click.ack.type == 6  # a deferred update: the card itself changes
    await wait_edited(world, card, 1)
    assert world.field(card, "Status").startswith("Reviewed by bob · <t:")
    assert world.embed(card)["color"] == 0x2ECC71
    await refused_privately(world, card, "Flag")
    await world.click(card, "Flag", world.bob)
    await wait_edited(world, card, 2)
    card = world.h.discord.message(card.id)
    assert world.field(card, "Status").startswith("Flagged by bob")
    assert world.embed(card)["title"] == "⚠️ Flagged by a moderator"
    await world.click(card, "Unflag", world.bob)
    await wait_edited(world, card, 3)
    assert world.field(card, "Status").startswith("Unflagged by bob")
    assert world.custom_id(world.h.discord.message(card.id), "Flag")
    assert not world.h.discord.message(card.id).mention_role_ids  # edits ping nobody
    log = await world.h.bot.core.storage.audit_log(world.h.guild.id)
    assert [e.action for e in log[:3]] == ["card.unflagged", "card.flagged", "card.reviewed"]


async def test_show_transcript_privately_with_its_files(
    world: ReviewWorld, voice_note_bytes: bytes
) -> None:
    await world.enable()
    await world.note(voice_note_bytes, transcript_reply("Secret garden words."))
    (card,) = await world.wait_cards(1)
    await refused_privately(world, card, "Show transcript")
    click = await world.click(card, "Show transcript", world.bob)
    (shown,) = await click.wait_followups(1, timeout=10)
    assert shown.ephemeral
    assert "Secret garden words." in shown.content
    assert [a.filename for a in shown.attachments] == [
        "transcript.json",
        "transcript.txt",
        "transcript.srt",
    ]
    assert shown.embeds[0]["footer"]["text"] == world.embed(card)["footer"]["text"]
    assert shown.allowed_mentions == {"parse": []}


async def _confirm_delete(world: ReviewWorld, card: StoredMessage) -> FakeInteraction:
    ask = await world.click(card, "Delete original", world.carol)
    assert ask.original is not None
    assert ask.original.ephemeral
    assert "Delete the original voice note by **alice**" in ask.original.content
    confirm = await world.h.discord.click_button(
        ask.original, world.custom_id(ask.original, "Yes, delete it"), user=world.carol
    )
    asked = ask.original
    await confirm.wait_ack()
    await world.h.discord.wait_for(
        lambda: "tombstone" in world.h.discord.message(asked.id).content,
        what="the deletion confirmed",
    )
    return confirm


async def test_delete_original_confirms_checks_both_permissions_and_leaves_a_tombstone(
    world: ReviewWorld, voice_note_bytes: bytes
) -> None:
    await world.enable()
    note = await world.note(voice_note_bytes, transcript_reply("Delete me."))
    (card,) = await world.wait_cards(1)
    storage = world.h.bot.core.storage
    (job,) = await storage.jobs_for_message(note.id)
    replies = [m.id for m in world.h.bot_messages(note.id)]
    await refused_privately(world, card, "Delete original")
    bob_asks = await world.click(card, "Delete original", world.bob)  # the moderator role only
    assert bob_asks.original is not None
    assert "You need the Manage Messages permission in <#" in bob_asks.original.content
    carol_asks = await world.click(card, "Delete original", world.carol)  # the bot can't
    assert carol_asks.original is not None
    assert "I need the Manage Messages permission in <#" in carol_asks.original.content
    world.h.discord.set_bot_permissions(world.h.channel, allowed={"MANAGE_MESSAGES"})
    await world.h.discord.flush_events()
    confirm = await _confirm_delete(world, card)
    assert confirm.ack is not None
    assert confirm.ack.type == 7  # the confirmation itself says how it went
    assert world.h.discord.message(note.id).deleted
    assert all(world.h.discord.message(reply).deleted for reply in replies)
    assert await storage.load_result(job.result_key or "") is None
    await wait_edited(world, card, 1)
    tomb = world.embed(card)
    assert tomb["title"].startswith("🪦 ")
    assert world.field(card, "Original").startswith("Deleted by carol · <t:")
    disabled = {
        b["label"]
        for row in world.h.discord.message(card.id).components
        for b in row["components"]
        if b.get("disabled")
    }
    assert disabled == {"Delete original", "Re-run"}
    log = await storage.audit_log(world.h.guild.id)
    assert log[0].action == "card.delete_original"
    assert (log[0].actor_id, log[0].channel_id) == (world.carol.id, world.h.channel.id)


async def test_rerun_bypasses_the_cache_and_updates_the_card(
    world: ReviewWorld, voice_note_bytes: bytes
) -> None:
    await world.enable()
    await world.note(voice_note_bytes, transcript_reply("First take."))
    (card,) = await world.wait_cards(1)
    await refused_privately(world, card, "Re-run")
    world.h.gemini.enqueue(Reply.json(flagged_reply(summary="Second take, angrier.")))
    click = await world.click(card, "Re-run", world.bob)
    assert click.ack is not None
    assert click.ack.ephemeral
    await wait_edited(world, card, 1)
    assert len(world.h.gemini.requests) == 2  # the cached result was not used
    assert world.embed(card)["description"] == "Second take, angrier."
    assert world.field(card, "Flags").startswith("threat · high")
    (answer, *_) = await click.wait_followups(1, timeout=10)
    assert answer.ephemeral
    assert "Second take, angrier." in answer.content
    usage = await world.h.bot.core.storage.usage_since(
        since=world.h.clock().replace(hour=0, minute=0), user_id=world.bob.id
    )
    assert usage.requests == 0  # the server pays for moderation, not the moderator


async def test_a_note_some_moderators_cannot_see_withholds_its_content(
    world: ReviewWorld, voice_note_bytes: bytes
) -> None:
    await world.enable()
    await world.note(voice_note_bytes, flagged_reply(summary="Staff secrets."), channel=world.staff)
    (card,) = await world.wait_cards(1)
    assert "Staff secrets" not in str(world.embed(card))
    assert world.field(card, "Flags") == "**threat**"
    bob = await world.click(card, "Show transcript", world.bob)  # #staff is hidden from him
    refusal = await bob.wait_response(timeout=10)
    card_id = world.embed(card)["footer"]["text"].removeprefix("Card ")
    assert refusal.content == f"⚠️ I can't find a review card with id {card_id} here."
    carol = await world.click(card, "Show transcript", world.carol)
    (shown,) = await carol.wait_followups(1, timeout=10)
    assert shown.embeds[0]["description"] == "Staff secrets."
