"""The fake Discord's forwards, as discord.py sees them: the audio only in the snapshot, no
author in it, and the snapshot's content hidden without the Message Content intent."""

from __future__ import annotations

import discord
from discord.ext import commands

from testkit.discord import FakeDiscord, running_bot

OGG = b"OggS\x00\x02" + bytes(range(256)) * 8


class Listener(commands.Bot):
    """Keeps every message it is told about."""

    def __init__(self, *, message_content: bool) -> None:
        intents = discord.Intents.none()
        intents.guilds = intents.guild_messages = True
        intents.message_content = message_content
        super().__init__(command_prefix="!", intents=intents, guild_ready_timeout=0.05)
        self.seen: list[discord.Message] = []

    async def on_message(self, message: discord.Message) -> None:
        self.seen.append(message)


async def _forward_seen(fake: FakeDiscord, *, message_content: bool) -> discord.Message:
    guild = fake.add_guild()
    source = fake.add_text_channel(guild, "source")
    target = fake.add_text_channel(guild, "target")
    alice, bob = fake.make_user("alice"), fake.make_user("bob")
    bot = Listener(message_content=message_content)
    async with running_bot(fake, bot):
        original = await fake.post_voice_message(source, alice, OGG, duration_secs=2.5)
        forward = await fake.forward_message(target, bob, original)
        await fake.wait_for(lambda: any(m.id == forward.id for m in bot.seen))
    return next(m for m in bot.seen if m.id == forward.id)


async def test_a_forward_carries_the_note_in_its_snapshot(fake_discord: FakeDiscord) -> None:
    message = await _forward_seen(fake_discord, message_content=True)
    assert message.attachments == []
    assert message.reference is not None
    assert message.reference.type is discord.MessageReferenceType.forward
    (snapshot,) = message.message_snapshots
    (attachment,) = snapshot.attachments
    assert attachment.is_voice_message()
    assert attachment.duration == 2.5
    assert snapshot.flags.voice
    assert not hasattr(snapshot, "author")


async def test_without_the_intent_a_snapshot_is_emptied_too(fake_discord: FakeDiscord) -> None:
    fake_discord.granted_intents.discard("MESSAGE_CONTENT")
    message = await _forward_seen(fake_discord, message_content=False)
    (snapshot,) = message.message_snapshots
    assert snapshot.attachments == []
    assert snapshot.content == ""
