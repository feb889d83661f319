"""The fake Discord's parts the ways-in features lean on, against plain discord.py: reaction
events (ids only, with the member) and the message fetch that follows them, and permission
overwrites for members and @everyone."""

from __future__ import annotations

import asyncio

import discord

from testkit.discord import FakeDiscord, running_bot
from tests.testkit.discord_bot import OGG


class ReactionClient(discord.Client):
    """Records reaction events; ``reactions`` toggles the guild reactions intent."""

    def __init__(self, *, reactions: bool = True) -> None:
        intents = discord.Intents.none()
        intents.guilds = intents.guild_messages = intents.message_content = True
        intents.guild_reactions = reactions
        super().__init__(intents=intents, guild_ready_timeout=0.05)
        self.events: list[discord.RawReactionActionEvent] = []
        self.messages: list[discord.Message] = []
        self.seen = asyncio.Event()

    async def on_message(self, message: discord.Message) -> None:
        self.messages.append(message)

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        self.events.append(payload)
        self.seen.set()


async def test_a_reaction_event_carries_ids_and_the_member_not_the_message(
    fake_discord: FakeDiscord,
) -> None:
    guild = fake_discord.add_guild()
    channel = fake_discord.add_text_channel(guild, "general")
    alice, bob = fake_discord.make_user("alice"), fake_discord.make_user("bob")
    fake_discord.add_member(guild, bob)
    client = ReactionClient()
    async with running_bot(fake_discord, client):
        note = await fake_discord.post_voice_message(channel, alice, OGG)
        await fake_discord.add_reaction(note, "✍️", bob)
        await asyncio.wait_for(client.seen.wait(), 5)
        (event,) = client.events
        assert (event.message_id, event.channel_id, event.user_id) == (note.id, channel.id, bob.id)
        assert str(event.emoji) == "✍️"
        assert event.member is not None
        assert event.member.id == bob.id
        fetched = await client.get_channel(channel.id).fetch_message(note.id)  # type: ignore[union-attr]
        assert [a.filename for a in fetched.attachments] == ["voice-message.ogg"]
        fake_discord.granted_intents.discard("MESSAGE_CONTENT")  # the portal switch off
        stripped = await client.get_channel(channel.id).fetch_message(note.id)  # type: ignore[union-attr]
        assert stripped.attachments == []  # a fetch shows files only with Message Content


async def test_without_the_reactions_intent_no_reaction_event_arrives(
    fake_discord: FakeDiscord,
) -> None:
    guild = fake_discord.add_guild()
    channel = fake_discord.add_text_channel(guild, "general")
    alice = fake_discord.make_user("alice")
    fake_discord.add_member(guild, alice)
    client = ReactionClient(reactions=False)
    async with running_bot(fake_discord, client):
        note = await fake_discord.post_voice_message(channel, alice, OGG)
        await fake_discord.add_reaction(note, "✍️", alice)
        later = await fake_discord.post_message(channel, alice, content="after")
        await fake_discord.wait_for(lambda: any(m.id == later.id for m in client.messages))
        assert client.events == []  # events come in order: a reaction would have come first


async def test_member_and_everyone_overwrites_reach_the_cache(fake_discord: FakeDiscord) -> None:
    guild = fake_discord.add_guild()
    channel = fake_discord.add_text_channel(guild, "secret")
    alice, bob = fake_discord.make_user("alice"), fake_discord.make_user("bob")
    fake_discord.add_member(guild, alice)
    fake_discord.add_member(guild, bob)
    client = ReactionClient()
    async with running_bot(fake_discord, client):
        fake_discord.set_permissions(channel, alice, denied={"VIEW_CHANNEL"})
        fake_discord.set_permissions(channel, guild, denied={"READ_MESSAGE_HISTORY"})
        await fake_discord.flush_events()
        cached = client.get_guild(guild.id)
        assert cached is not None
        text = cached.get_channel(channel.id)
        assert isinstance(text, discord.TextChannel)

        def updated() -> bool:
            return text.overwrites_for(cached.default_role).read_message_history is False

        await fake_discord.wait_for(updated, what="the CHANNEL_UPDATEs")
        assert text.overwrites_for(discord.Object(id=alice.id)).view_channel is False
        assert text.overwrites_for(discord.Object(id=bob.id)).is_empty()
        assert not text.permissions_for(cached.me).read_message_history  # @everyone's too
