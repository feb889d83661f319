"""Review cards for the new ways in: a note reached by a message link is carded where it
is, a note transcribed on reaction gets its card, and the speech engine's card shows no
emotions (it hears none)."""

from __future__ import annotations

from testkit.gemini import Reply, SpeechWord
from tests.helpers.harness import transcript_reply
from tests.helpers.review import ReviewWorld

NOTES = {"language": "en", "summary": "Dave says hi.", "lines": [], "flags": [], "fixes": []}


async def test_a_message_links_card_points_at_the_note_where_it_is(
    world: ReviewWorld, voice_note_bytes: bytes
) -> None:
    h = world.h
    await world.enable()
    await h.bot.core.storage.update_guild_settings(h.guild.id, auto_mode="off")
    other = h.discord.add_text_channel(h.guild, "other")
    await h.discord.flush_events()
    note = await h.discord.post_voice_message(other, world.dave, voice_note_bytes)
    h.gemini.enqueue(Reply.json(transcript_reply("Linked words.", summary="Dave's note.")))
    link = f"https://discord.com/channels/{h.guild.id}/{other.id}/{note.id}"
    asked = await h.discord.invoke_slash_command(
        "transcribe", user=h.alice, channel=h.channel, options={"link": link}
    )
    await asked.wait_followups(1, timeout=20)
    (card,) = await world.wait_cards(1)
    assert world.field(card, "Author").startswith("dave · ")
    assert world.field(card, "Channel") == f"<#{other.id}>"
    assert world.field(card, "Original") == (
        f"[Jump to the message](https://discord.com/channels/{h.guild.id}/{other.id}/{note.id})"
    )


async def test_a_note_transcribed_on_reaction_gets_a_card_without_emotions_from_speech(
    world: ReviewWorld, voice_note_bytes: bytes
) -> None:
    h = world.h
    await world.enable()
    await h.bot.core.storage.update_guild_settings(
        h.guild.id, auto_mode="off", transcribe_engine="gemini-transcribe"
    )
    note = await h.discord.post_voice_message(h.channel, world.dave, voice_note_bytes)
    h.gemini.enqueue(Reply.speech(SpeechWord("Hi", 0.1, 0.4)), Reply.json(NOTES))
    await h.discord.add_reaction(note, "✍️", world.bob)
    (card,) = await world.wait_cards(1)
    assert world.embed(card)["description"] == "Dave says hi."
    names = [field["name"] for field in world.embed(card).get("fields", [])]
    assert "Author" in names
    assert "Emotions" not in names  # the speech engine hears none: nothing to show
