"""Report voice note: a card where automatic transcription is off, no trace in the channel,
one report per member, an hourly limit, opted-out members' notes, the server's quota."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio

from bot.jobs import SERVER_USER_ID
from testkit.discord import FakeDiscord, StoredMessage
from testkit.gemini import FakeGemini, Reply
from tests.helpers.harness import harness_settings, open_harness
from tests.helpers.review import ReviewWorld, flagged_reply


@pytest_asyncio.fixture
async def strict_world(
    fake_discord: FakeDiscord, fake_gemini: FakeGemini, make_settings: Any, tmp_path: Path
) -> AsyncIterator[ReviewWorld]:
    """The moderators' world where each member may report two notes an hour."""
    settings = harness_settings(
        make_settings, fake_discord, fake_gemini, tmp_path, review_reports_per_hour=2
    )
    async with open_harness(fake_discord, fake_gemini, settings) as harness:
        yield await ReviewWorld.build(harness)


async def auto_off(world: ReviewWorld) -> None:
    inter = await world.h.discord.invoke_slash_command(
        "voicenotes-admin",
        user=world.admin,
        channel=world.h.channel,
        options={"settings": {"auto": "off"}},
    )
    await inter.wait_response()


async def report(world: ReviewWorld, note: StoredMessage, who: Any) -> str:
    inter = await world.h.discord.invoke_message_command(
        "Report voice note", user=who, target_message=note
    )
    answer = await inter.wait_response(timeout=20)
    assert answer.ephemeral
    return answer.content


async def test_a_report_makes_a_card_where_auto_is_off_and_leaves_no_trace(
    world: ReviewWorld, voice_note_bytes: bytes
) -> None:
    await world.enable()
    await auto_off(world)
    note = await world.h.discord.post_voice_message(
        world.h.channel, world.h.alice, voice_note_bytes
    )
    world.h.gemini.enqueue(Reply.json(flagged_reply(summary="Reported words.")))
    assert (await report(world, note, world.dave)).startswith("Thanks: the moderators will look")
    await world.wait_done(note)
    (card,) = await world.wait_cards(1)
    await world.h.discord.wait_for(
        lambda: "Reported words." in str(world.embed(card)), what="the card's result"
    )
    assert world.embed(card)["title"] == "⚠️ Flagged: threat (high) · reported"
    assert world.field(card, "Reported by") == f"<@{world.dave.id}>"
    assert world.h.discord.messages_in(world.h.channel) == [world.h.discord.message(note.id)]
    assert world.h.discord.reactions_on(note) == {}
    assert world.h.discord.threads_in(world.h.channel) == []
    assert len(world.h.gemini.requests) == 1
    storage = world.h.bot.core.storage
    since = world.h.clock().replace(hour=0, minute=0, second=0)
    mine = await storage.usage_since(since=since, user_id=world.dave.id)
    server = await storage.usage_since(since=since, guild_id=world.h.guild.id)
    assert (mine.requests, server.requests) == (0, 1)  # the server's quota, not the reporter's
    paid = await storage.usage_since(since=since, user_id=SERVER_USER_ID)
    assert paid.requests == 1


async def test_one_report_per_member_and_reports_of_known_notes(
    world: ReviewWorld, voice_note_bytes: bytes
) -> None:
    await world.enable(cards="flagged")
    note = await world.note(voice_note_bytes)  # processed, no flag: no card on its own
    assert world.cards() == []
    await report(world, note, world.dave)
    assert await report(world, note, world.dave) == (
        "You already reported this voice note; the moderators have it."
    )
    await report(world, note, world.bob)
    (card,) = await world.wait_cards(1)
    await world.h.discord.wait_for(
        lambda: world.field(card, "Reported by").count("<@") == 2, what="both reporters"
    )
    assert world.embed(card)["description"] == "A short test note."  # the stored result
    assert len(world.h.gemini.requests) == 1  # nothing asked again


async def test_each_member_has_an_hourly_limit(
    strict_world: ReviewWorld, voice_note_bytes: bytes
) -> None:
    world = strict_world
    await world.enable()
    await auto_off(world)
    notes = [
        await world.h.discord.post_voice_message(world.h.channel, world.h.alice, voice_note_bytes)
        for _ in range(3)
    ]
    for note in notes[:2]:
        assert (await report(world, note, world.dave)).startswith("Thanks")
    assert (await report(world, notes[2], world.dave)) == (
        "⚠️ You have made 2 reports in the last hour, the most allowed here; please try again later."
    )
    assert (await report(world, notes[2], world.bob)).startswith("Thanks")


async def test_without_review_the_reporter_is_told(
    world: ReviewWorld, voice_note_bytes: bytes
) -> None:
    note = await world.note(voice_note_bytes)
    assert await report(world, note, world.dave) == "⚠️ This server has no moderator review."


async def test_an_opted_out_members_note_can_be_reported_and_is_audited(
    world: ReviewWorld, voice_note_bytes: bytes
) -> None:
    await world.enable()
    storage = world.h.bot.core.storage
    await storage.set_opt_out(world.h.alice.id, True)
    note = await world.h.discord.post_voice_message(
        world.h.channel, world.h.alice, voice_note_bytes
    )
    assert (await report(world, note, world.dave)).startswith("Thanks")
    await world.wait_done(note)
    await world.wait_cards(1)
    (entry,) = [e for e in await storage.audit_log(world.h.guild.id) if e.action == "card.report"]
    assert entry.actor_id == world.dave.id
    assert entry.detail == {"author_id": world.h.alice.id, "author_opted_out": True}
