"""/voicenotes usage, optout and optin, end to end."""

from __future__ import annotations

from bot.timecodes import format_duration
from cogs.members import OPTED_IN_TEXT, OPTED_OUT_TEXT
from testkit.discord import FakeUser, MessageFlag, StoredMessage
from testkit.gemini import Reply, TokenCounts
from tests.helpers.harness import Harness, transcript_reply


async def voicenotes(harness: Harness, user: FakeUser, subcommand: str) -> StoredMessage:
    """``user`` runs ``/voicenotes <subcommand>``; the (checked private) answer."""
    interaction = await harness.discord.invoke_slash_command(
        "voicenotes", user=user, channel=harness.channel, options={subcommand: {}}
    )
    reply = await interaction.wait_response()
    assert reply.flags & MessageFlag.EPHEMERAL
    assert reply.allowed_mentions == {"parse": []}
    return reply


def test_the_group_is_open_to_everyone(harness: Harness) -> None:
    (group,) = [c for c in harness.discord.commands() if c["name"] == "voicenotes"]
    assert group.get("default_member_permissions") is None
    assert {o["name"] for o in group["options"]} == {"usage", "optout", "optin"}


async def test_optout_and_optin_are_stored_audited_and_honoured(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    storage = harness.bot.core.storage
    assert (await voicenotes(harness, harness.alice, "optout")).content == OPTED_OUT_TEXT
    assert await storage.is_opted_out(harness.alice.id)
    assert (await voicenotes(harness, harness.alice, "optin")).content == OPTED_IN_TEXT
    assert not await storage.is_opted_out(harness.alice.id)
    entries = await storage.audit_log(harness.guild.id)
    assert [(e.action, e.actor_id) for e in entries] == [
        ("optout.clear", harness.alice.id),
        ("optout.set", harness.alice.id),
    ]
    harness.gemini.enqueue(Reply.json(transcript_reply("Back in.")))
    note = await harness.post_note(voice_note_bytes)
    await harness.discord.wait_for(lambda: harness.discord.reactions_on(note).get("✅"))


async def test_usage_shows_minutes_tokens_and_cost(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    harness.clock.advance_to_midday()
    spent = TokenCounts(600_000, 200_000, thought=100_000, cached=400_000)
    reply = Reply.json(transcript_reply("Counted."), usage=spent)
    harness.gemini.enqueue(reply)
    note = await harness.post_note(voice_note_bytes)
    await harness.discord.wait_for(lambda: harness.discord.reactions_on(note).get("✅"))
    (transcript,) = harness.bot_messages(note.id)
    seconds = harness.json_attachment(transcript)["source"]["duration_s"]
    audio = format_duration(seconds)
    # 200k fresh input at $1, 400k cached at $0.25, 200k output + 100k thinking at $2.50.
    tokens = "600,000 tokens in (400,000 cached) / 200,000 out + 100,000 thinking"
    line = f"**{audio}** of audio · 1 request · {tokens} · ≈ $1.05"
    mine = (await voicenotes(harness, harness.alice, "usage")).content.splitlines()
    assert mine == [
        "**Your usage**",
        f"Today: {line}",
        f"Last 30 days: {line}",
        f"Daily allowance: {audio} of 1 h used, **{format_duration(3600 - seconds)} left** · "
        "resets at 00:00 UTC, in 12 h",
        "-# Costs are estimates at $1.00 per million input tokens ($0.25 when cached) and "
        "$2.50 per million output and thinking tokens.",
    ]
    owner = harness.discord.make_user("owner")
    harness.discord.add_member(harness.guild, owner, permissions=["MANAGE_GUILD"])
    theirs = (await voicenotes(harness, owner, "usage")).content.splitlines()
    assert theirs[1] == "Today: **0 s** of audio · 0 requests · 0 tokens in / 0 out · ≈ $0.0000"
    assert theirs[4:8] == [
        "**This server**",
        f"Today: {line}",
        f"Last 30 days: {line}",
        f"Daily allowance: {audio} of 10 h used, "
        f"**{format_duration(36000 - seconds)} left** · "
        "resets at 00:00 UTC, in 12 h",
    ]


async def test_opting_out_offers_to_erase_what_is_stored_about_the_notes(
    harness: Harness, distinct_voice_notes: list[bytes]
) -> None:
    storage = harness.bot.core.storage
    notes = []
    for index, data in enumerate(distinct_voice_notes[:2]):
        harness.gemini.enqueue(Reply.json(transcript_reply(f"Note {index} words.")))
        note = await harness.post_note(data)
        await harness.discord.wait_for(lambda: harness.discord.reactions_on(note).get("✅"))  # noqa: B023
        notes.append(note)
    replies = [reply.id for note in notes for reply in harness.bot_messages(note.id)]
    keys = [job.result_key for n in notes for job in await storage.jobs_for_message(n.id)]
    offer = await voicenotes(harness, harness.alice, "optout")
    ((button,),) = [row["components"] for row in offer.components]
    assert button["label"] == "Erase what you stored about my notes"

    click = await harness.discord.click_button(offer, button["custom_id"], user=harness.alice)
    done = await click.wait_response(timeout=20)
    assert (
        done.content
        == "Done: I erased what I stored about 2 voice notes, and the replies I had posted."
    )
    assert done.flags & MessageFlag.EPHEMERAL
    assert all(harness.discord.message(reply).deleted for reply in replies)
    assert await storage.jobs_of_author(harness.alice.id) == []
    assert [await storage.load_result(key or "") for key in keys] == [None, None]
    (erased,) = [e for e in await storage.audit_log(harness.guild.id) if e.action == "optout.erase"]
    assert erased.detail == {"jobs": 2}
