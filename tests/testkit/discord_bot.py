"""A minimal voice-note bot built on discord.py alone, for the fake Discord's own tests.

It is defined here on purpose, not taken from the project: the fake's tests prove the fake is
faithful enough for discord.py, independently of the project's bot.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from testkit.discord import FakeChannel, FakeDiscord, FakeGuild, FakeUser, running_bot

OGG = b"OggS\x00\x02" + bytes(range(256)) * 8
THREAD_NAME = "Transcript of alice's voice note, recorded " + "very " * 40


@dataclass
class Recorder:
    """What the test bot saw and did."""

    messages: list[discord.Message] = field(default_factory=list)
    downloads: list[bytes] = field(default_factory=list)
    errors: list[discord.HTTPException] = field(default_factory=list)
    targets: list[discord.Message] = field(default_factory=list)
    gate: asyncio.Event = field(default_factory=asyncio.Event)


class VoiceBot(commands.Bot):
    """A minimal voice-note bot: threads a transcript under each voice message."""

    def __init__(self, rec: Recorder, intents: discord.Intents, **options: Any) -> None:
        super().__init__(command_prefix="!", intents=intents, guild_ready_timeout=0.05, **options)
        self.rec = rec

    async def setup_hook(self) -> None:
        await self.tree.sync()

    async def on_message(self, message: discord.Message) -> None:
        self.rec.messages.append(message)
        if message.author.bot or not message.flags.voice or not message.attachments:
            return  # without the message-content intent, voice messages arrive without files
        attachment = message.attachments[0]
        if not attachment.is_voice_message():
            return
        self.rec.downloads.append(await attachment.read())
        thread = await message.create_thread(name=THREAD_NAME[:100])
        await thread.send(
            "**Transcript**: hello <@everyone>",
            file=discord.File(io.BytesIO(b"hello world"), "transcript.txt"),
            allowed_mentions=discord.AllowedMentions.none(),
            silent=True,
        )


def make_bot(*, message_content: bool = True, **options: Any) -> tuple[VoiceBot, Recorder]:
    """The test bot with a slash command (attachment option) and a message context menu;
    ``options`` go to the client (``max_ratelimit_timeout=30``...)."""
    rec = Recorder()
    rec.gate.set()
    intents = discord.Intents.none()
    intents.guilds = intents.guild_messages = intents.dm_messages = True
    intents.message_content = message_content
    bot = VoiceBot(rec, intents, **options)

    @bot.tree.command(name="transcribe", description="Transcribe an audio file")
    @app_commands.describe(audio="The recording")
    async def transcribe(interaction: discord.Interaction, audio: discord.Attachment) -> None:
        await rec.gate.wait()
        try:
            await interaction.response.defer(thinking=True)
        except discord.HTTPException as exc:
            rec.errors.append(exc)
            return
        data = await audio.read()
        await interaction.followup.send(
            f"{audio.filename}: {len(data)} bytes",
            file=discord.File(io.BytesIO(b"transcript"), "transcript.txt"),
        )

    @bot.tree.context_menu(name="Transcribe voice note")
    async def transcribe_message(
        interaction: discord.Interaction, message: discord.Message
    ) -> None:
        rec.targets.append(message)
        await interaction.response.send_message(f"queued {message.id}", ephemeral=True)

    return bot, rec


@asynccontextmanager
async def bot_in(
    fake: FakeDiscord, channel: FakeChannel, **options: Any
) -> AsyncIterator[tuple[VoiceBot, discord.TextChannel]]:
    """The test bot running on ``fake``, and its view of text channel ``channel``."""
    bot, _ = make_bot(**options)
    async with running_bot(fake, bot):
        cached = bot.get_channel(channel.id)
        assert isinstance(cached, discord.TextChannel)
        yield bot, cached


async def raw(
    fake: FakeDiscord, method: str, path: str, **kwargs: Any
) -> tuple[int, Any, dict[str, str]]:
    """One request with the bot token, straight to the fake: status, body, headers."""
    headers = {"Authorization": f"Bot {fake.token}"}
    async with (
        aiohttp.ClientSession(headers=headers) as http,
        http.request(method, fake.api_base + path, **kwargs) as response,
    ):
        body = await response.json() if response.content_type == "application/json" else None
        return response.status, body, dict(response.headers)


def small_world(fake: FakeDiscord) -> tuple[FakeGuild, FakeChannel, FakeUser]:
    """A guild with a #general channel and a member, alice."""
    guild = fake.add_guild()
    general = fake.add_text_channel(guild, "general")
    alice = fake.make_user("alice")
    fake.add_member(guild, alice)
    return guild, general, alice
