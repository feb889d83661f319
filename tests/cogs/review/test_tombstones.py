"""When an original disappears: an unflagged, unreported card goes with its data; a flagged
or reported one stays as a tombstone with its summary and flags, never the transcript."""

from __future__ import annotations

from testkit.discord import StoredMessage
from tests.helpers.harness import transcript_reply
from tests.helpers.review import ReviewWorld, flagged_reply


def card_id(world: ReviewWorld, card: StoredMessage) -> int:
    return int(world.embed(card)["footer"]["text"].removeprefix("Card "))


async def test_an_unflagged_card_goes_and_a_flagged_one_stays_as_a_tombstone(
    world: ReviewWorld, distinct_voice_notes: list[bytes]
) -> None:
    await world.enable()
    plain = await world.note(distinct_voice_notes[0], transcript_reply("Nothing to see."))
    flagged = await world.note(distinct_voice_notes[1], flagged_reply(summary="Kept words."))
    plain_card, flagged_card = await world.wait_cards(2)
    storage = world.h.bot.core.storage
    (job,) = await storage.jobs_for_message(flagged.id)
    await world.h.discord.delete_message(plain)  # by its author
    await world.h.discord.delete_message(flagged)
    await world.h.discord.wait_for(
        lambda: world.h.discord.message(plain_card.id).deleted, what="the plain card removed"
    )
    await world.h.discord.wait_for(
        lambda: world.embed(flagged_card)["title"].startswith("🪦"), what="a tombstone"
    )
    assert await storage.card(world.h.guild.id, card_id(world, plain_card)) is None
    assert await storage.cards_for_message(plain.id) == []
    tomb = world.embed(flagged_card)
    assert tomb["description"] == "Kept words."
    assert world.field(flagged_card, "Flags").startswith("threat · high")
    assert world.field(flagged_card, "Original").startswith("Deleted · <t:")
    assert await storage.load_result(job.result_key or "") is None
    shown = await world.click(flagged_card, "Show transcript", world.bob)
    (answer,) = await shown.wait_followups(1, timeout=10)
    assert answer.content.startswith("The transcript of this note is no longer stored")
    assert answer.attachments == []


async def test_a_reported_card_survives_a_bulk_deletion(
    world: ReviewWorld, distinct_voice_notes: list[bytes]
) -> None:
    await world.enable()
    note = await world.note(distinct_voice_notes[0], transcript_reply("Reported once."))
    other = await world.note(distinct_voice_notes[1])
    reported, plain = await world.wait_cards(2)
    inter = await world.h.discord.invoke_message_command(
        "Report voice note", user=world.dave, target_message=note
    )
    await inter.wait_response(timeout=10)
    await world.h.discord.bulk_delete_messages([note, other])
    await world.h.discord.wait_for(
        lambda: world.h.discord.message(plain.id).deleted, what="the plain card removed"
    )
    await world.h.discord.wait_for(
        lambda: world.embed(reported)["title"].startswith("🪦"), what="a tombstone"
    )
    assert "reported" in world.embed(reported)["title"]


async def test_erasing_ones_notes_applies_the_same_rule(
    world: ReviewWorld, distinct_voice_notes: list[bytes]
) -> None:
    await world.enable()
    await world.note(distinct_voice_notes[0])
    await world.note(distinct_voice_notes[1], flagged_reply())
    plain, flagged = await world.wait_cards(2)
    storage = world.h.bot.core.storage
    optout = await world.h.discord.invoke_slash_command(
        "voicenotes", user=world.h.alice, channel=world.h.channel, options={"optout": {}}
    )
    offer = await optout.wait_response()
    ((button,),) = [row["components"] for row in offer.components]
    click = await world.h.discord.click_button(offer, button["custom_id"], user=world.h.alice)
    done = await click.wait_response(timeout=20)
    assert done.content.startswith("Done: I erased what I stored about 2 voice notes")
    assert world.h.discord.message(plain.id).deleted
    assert world.embed(flagged)["title"].startswith("🪦")
    (kept,) = await storage.cards_of_author(world.h.alice.id)
    assert kept.tombstone
