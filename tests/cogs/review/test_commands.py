"""/review list, show and export, /voicenotes-admin review, and isolation between servers."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

from testkit.discord import FakeChannel, FakeInteraction, FakeUser, StoredMessage
from tests.helpers.cards import content, draft
from tests.helpers.harness import transcript_reply
from tests.helpers.review import ReviewWorld, flagged_reply


async def review(
    world: ReviewWorld, who: FakeUser, sub: str, where: FakeChannel | None = None, **options: Any
) -> FakeInteraction:
    inter = await world.h.discord.invoke_slash_command(
        "review", user=who, channel=where or world.h.channel, options={sub: options}
    )
    await inter.wait_ack()
    return inter


async def listed(world: ReviewWorld, who: FakeUser, **options: Any) -> StoredMessage:
    inter = await review(world, who, "list", **options)
    answer = await inter.wait_response(timeout=10)
    assert answer.ephemeral
    return answer


def card_ids(answer: StoredMessage) -> list[int]:
    text = answer.embeds[0].get("description", "") if answer.embeds else ""
    return [int(part.split("**")[0]) for part in text.split("**#")[1:]]


async def three_notes(world: ReviewWorld, notes: list[bytes]) -> list[int]:
    """A flagged note in #general, a spam one in #staff, a plain one in #general: card ids."""
    await world.enable()
    await world.note(notes[0], flagged_reply(summary="A garden threat."))
    spam = flagged_reply(category="spam", severity="medium", summary="Buy now.")
    await world.note(notes[1], spam, channel=world.staff)
    await world.note(notes[2], transcript_reply("Sun.", summary="Nice weather today."))
    cards = await world.wait_cards(3)
    return [int(world.embed(c)["footer"]["text"].removeprefix("Card ")) for c in cards]


async def test_list_filters_and_hides_notes_of_channels_the_moderator_cannot_see(
    world: ReviewWorld, distinct_voice_notes: list[bytes]
) -> None:
    threat, spam, weather = await three_notes(world, distinct_voice_notes)
    assert card_ids(await listed(world, world.bob, status="all")) == [weather, threat]
    assert card_ids(await listed(world, world.carol, status="all")) == [weather, spam, threat]
    assert card_ids(await listed(world, world.bob)) == [weather, threat]  # unreviewed
    assert card_ids(await listed(world, world.bob, status="flagged")) == [threat]
    assert card_ids(await listed(world, world.bob, category="spam")) == []
    assert card_ids(await listed(world, world.carol, category="spam")) == [spam]
    assert card_ids(await listed(world, world.bob, text="weather")) == [weather]
    assert card_ids(await listed(world, world.bob, user=world.dave)) == []
    assert card_ids(await listed(world, world.carol, channel=world.staff)) == [spam]
    bob_sees = await listed(world, world.bob, status="all")
    assert "Buy now" not in str(bob_sees.embeds)
    assert "[jump](https://discord.com/channels/" in bob_sees.embeds[0]["description"]
    refused = await review(world, world.dave, "list")
    assert (await refused.wait_response()).content == (
        "⚠️ Only moderators can do this: members with Manage Messages or the moderator role."
    )


async def test_list_pages_ten_at_a_time_with_previous_and_next(world: ReviewWorld) -> None:
    await world.enable()
    storage = world.h.bot.core.storage
    start = world.h.clock() - timedelta(hours=2)
    for index in range(12):
        note = draft(
            1000 + 10 * index,
            content(f"Note {index}."),
            note_at=start + timedelta(minutes=index),
            guild_id=world.h.guild.id,
            channel_id=world.h.channel.id,
            access_channel_id=world.h.channel.id,
        )
        await storage.create_card(note)
    first = await listed(world, world.bob, status="all")
    first_ids = card_ids(first)
    assert len(first_ids) == 10
    assert first.embeds[0]["footer"]["text"].startswith("Page 1 of 2")
    buttons = {b["label"]: b for row in first.components for b in row["components"]}
    assert (buttons["Previous"].get("disabled"), buttons["Next"].get("disabled")) == (True, False)
    click = await world.h.discord.click_button(first, buttons["Next"]["custom_id"], user=world.bob)
    ack = await click.wait_ack()
    assert ack.type == 7  # the same private message shows the next page
    second = world.h.discord.message(first.id)
    assert len(card_ids(second)) == 2
    assert not set(card_ids(second)) & set(first_ids)
    assert second.embeds[0]["footer"]["text"].startswith("Page 2 of 2")


async def test_show_and_export_within_what_the_moderator_can_see(
    world: ReviewWorld, distinct_voice_notes: list[bytes]
) -> None:
    threat, spam, weather = await three_notes(world, distinct_voice_notes)
    shown = await review(world, world.bob, "show", id=threat)
    (answer,) = await shown.wait_followups(1, timeout=10)
    assert answer.ephemeral
    assert answer.embeds[0]["description"] == "A garden threat."
    assert "transcript.json" in [a.filename for a in answer.attachments]
    hidden = await (await review(world, world.bob, "show", id=spam)).wait_response()
    unknown = await (await review(world, world.bob, "show", id=987654)).wait_response()
    assert hidden.content == f"⚠️ I can't find a review card with id {spam} here."
    assert unknown.content == "⚠️ I can't find a review card with id 987654 here."
    exported = await review(world, world.bob, "export", format="json")
    (file_message,) = await exported.wait_followups(1, timeout=10)
    (attachment,) = file_message.attachments
    data = json.loads(attachment.data)
    assert [row["card_id"] for row in data["cards"]] == [threat, weather]
    assert data["cards"][0]["flags"][0]["category"] == "threat"
    actions = [entry["action"] for entry in data["audit"]]
    assert actions[0] == "review.settings"
    assert "review.show" in actions
    as_csv = await review(world, world.carol, "export", format="csv", since="1d")
    (csv_message,) = await as_csv.wait_followups(1, timeout=10)
    cards_file, audit_file = csv_message.attachments
    rows = list(csv.DictReader(io.StringIO(cards_file.data.decode())))
    assert [int(row["card_id"]) for row in rows] == [threat, spam, weather]
    assert "reviewer_id" in rows[0]
    assert audit_file.filename.endswith("-audit.csv")


async def test_nothing_of_one_server_is_seen_from_another(
    world: ReviewWorld, voice_note_bytes: bytes
) -> None:
    fake = world.h.discord
    other = fake.add_guild("Other Guild")
    lobby = fake.add_text_channel(other, "lobby")
    eve = fake.make_user("eve")
    fake.add_member(other, eve, permissions=["MANAGE_MESSAGES", "MANAGE_GUILD"])
    await fake.flush_events()
    await world.enable()
    await world.note(voice_note_bytes, flagged_reply(summary="Server one only."))
    (card,) = await world.wait_cards(1)
    card_id = int(world.embed(card)["footer"]["text"].removeprefix("Card "))
    there = await (await review(world, eve, "show", lobby, id=card_id)).wait_response()
    nowhere = await (await review(world, eve, "show", lobby, id=card_id + 1000)).wait_response()
    assert there.content.replace(str(card_id), "N") == nowhere.content.replace(
        str(card_id + 1000), "N"
    )
    assert card_ids(await listed_in(world, eve, lobby)) == []
    exported = await review(world, eve, "export", lobby, format="json")
    (file_message,) = await exported.wait_followups(1, timeout=10)
    data = json.loads(file_message.attachments[0].data)
    assert data == {"cards": [], "audit": []}


async def listed_in(world: ReviewWorld, user: FakeUser, channel: FakeChannel) -> StoredMessage:
    inter = await review(world, user, "list", channel, status="all")
    return await inter.wait_response(timeout=10)


async def test_admin_review_checks_the_channel_and_is_audited(world: ReviewWorld) -> None:
    locked = world.h.discord.add_text_channel(
        world.h.guild, "locked", denied={"EMBED_LINKS", "ATTACH_FILES"}
    )
    await world.h.discord.flush_events()
    refused = await world.admin_review(channel=locked)
    assert refused.content == (
        f"⚠️ I can't post review cards in <#{locked.id}>: I'm missing Embed Links, Attach Files "
        "there."
    )
    storage = world.h.bot.core.storage
    assert not (await storage.guild_settings(world.h.guild.id)).review_on
    on = await world.enable(cards="flagged", min_severity="high")
    assert "cards for **flagged** notes · pings from **high** severity" in on.content
    settings = await world.h.discord.invoke_slash_command(
        "voicenotes-admin", user=world.admin, channel=world.h.channel, options={"settings": {}}
    )
    assert "Moderator review: **on**" in (await settings.wait_response()).content
    off = await world.admin_review(off=True)
    assert off.content.startswith("Moderator review: **off**")
    log = [e for e in await storage.audit_log(world.h.guild.id) if e.action == "review.settings"]
    assert [e.detail.get("review_channel_id") for e in log] == [None, str(world.mods.id)]


async def test_review_is_registered_for_manage_messages_and_the_report_menu_for_all(
    world: ReviewWorld,
) -> None:
    commands = {(c["name"], c["type"]): c for c in world.h.discord.commands()}
    review_command = commands[("review", 1)]
    assert review_command["default_member_permissions"] == 1 << 13  # Manage Messages
    assert review_command["contexts"] == [0]  # servers only
    assert {o["name"] for o in review_command["options"]} == {"list", "show", "export"}
    report = commands[("Report voice note", 3)]
    assert report["default_member_permissions"] is None  # open to everyone
    assert report["contexts"] == [0]
    admin = commands[("voicenotes-admin", 1)]
    (sub,) = [o for o in admin["options"] if o["name"] == "review"]
    assert [o["name"] for o in sub["options"]] == [
        "channel",
        "role",
        "cards",
        "min_severity",
        "off",
    ]
