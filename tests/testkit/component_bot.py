"""A minimal discord.py bot with a persistent button and a command taking a channel, a role
and a user: for the fake Discord's own tests of components and resolved options.

Defined here, not taken from the project, so the fake is proven against discord.py alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import discord
from discord.ext import commands

PREFIX = "test:count:"


@dataclass
class Seen:
    """What the test bot saw: clicks handled (by this run) and resolved options."""

    clicks: list[int] = field(default_factory=list)
    options: list[tuple[Any, ...]] = field(default_factory=list)


def counter_type(seen: Seen) -> type[discord.ui.DynamicItem[Any]]:
    """A persistent button whose custom id carries a number; a click edits its message."""

    class Counter(
        discord.ui.DynamicItem[discord.ui.Button[Any]],
        template=re.escape(PREFIX) + r"(?P<n>[0-9]+)",
    ):
        def __init__(self, n: int) -> None:
            super().__init__(discord.ui.Button(label=f"Count {n}", custom_id=f"{PREFIX}{n}"))
            self.n = n

        @classmethod
        async def from_custom_id(
            cls, interaction: discord.Interaction[Any], item: Any, match: re.Match[str], /
        ) -> Any:
            return cls(int(match["n"]))

        async def callback(self, interaction: discord.Interaction[Any]) -> None:
            seen.clicks.append(self.n)
            await interaction.response.defer()  # 6: DEFERRED_UPDATE_MESSAGE
            view = discord.ui.View(timeout=None)
            view.add_item(Counter(self.n + 1))
            await interaction.edit_original_response(content=f"counted {self.n}", view=view)

    return Counter


class ComponentBot(commands.Bot):
    """Registers the persistent button and ``/pick channel role user``."""

    def __init__(self, seen: Seen) -> None:
        intents = discord.Intents.none()
        intents.guilds = intents.guild_messages = True
        super().__init__(command_prefix="!", intents=intents, guild_ready_timeout=0.05)
        self.seen = seen
        self.counter = counter_type(seen)

        @self.tree.command(name="pick", description="Take a channel, a role and a user")
        async def pick(
            interaction: discord.Interaction[Any],
            channel: discord.TextChannel,
            role: discord.Role,
            user: discord.Member,
        ) -> None:
            resolved = interaction.namespace.channel
            seen.options.append((resolved.permissions, channel, role, user))
            await interaction.response.send_message("picked", ephemeral=True)

    async def setup_hook(self) -> None:
        self.add_dynamic_items(self.counter)
        await self.tree.sync()
