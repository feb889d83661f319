"""The fake Discord's interaction responses: what happens once the original response is gone."""

from __future__ import annotations

import asyncio
from typing import Any

import discord
from discord.ext import commands

from testkit.discord import FakeDiscord, running_bot


class DeferringBot(commands.Bot):
    """Defers ``/note``, waits for the test, then tries a followup and records the error."""

    def __init__(self) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(command_prefix="!", intents=intents, guild_ready_timeout=0.05)
        self.proceed = asyncio.Event()
        self.errors: list[discord.HTTPException] = []

        @self.tree.command(name="note", description="Defer, then follow up")
        async def note(interaction: discord.Interaction[Any]) -> None:
            await interaction.response.defer(thinking=True)
            await self.proceed.wait()
            try:
                await interaction.followup.send("late words")
            except discord.HTTPException as exc:
                self.errors.append(exc)

    async def setup_hook(self) -> None:
        await self.tree.sync()


async def test_a_followup_after_the_original_response_is_gone_is_refused(
    fake_discord: FakeDiscord,
) -> None:
    guild = fake_discord.add_guild()
    channel = fake_discord.add_text_channel(guild, "general")
    user = fake_discord.make_user("alice")
    fake_discord.add_member(guild, user)
    fake_discord.expect_rejection(code=10008)
    bot = DeferringBot()
    async with running_bot(fake_discord, bot):
        inter = await fake_discord.invoke_slash_command("note", user=user, channel=channel)
        await inter.wait_ack()
        fake_discord.dismiss_response(inter)
        bot.proceed.set()
        await fake_discord.wait_for(lambda: bot.errors, what="the followup to be refused")
    (error,) = bot.errors
    assert isinstance(error, discord.NotFound)
    assert error.code == 10008
    assert inter.followups == []
