"""Small pieces the cogs share: the bot type, Discord's refusals, the language option's
autocomplete."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

AnyBot = commands.Bot | commands.AutoShardedBot
# What a Discord request may end in besides success: an answer refusing it, or
# discord.RateLimited, which is no HTTPException: discord.py raises it, possibly before
# sending anything, when a route's wait would pass max_ratelimit_timeout.
DISCORD_REFUSALS = (discord.HTTPException, discord.RateLimited)


def refusal(error: discord.HTTPException | discord.RateLimited) -> str:
    """A refusal in a few words for the logs: ``code 50013``, ``rate limited for 120s``."""
    if isinstance(error, discord.RateLimited):
        return f"rate limited for {error.retry_after:.0f}s"
    return f"code {error.code}"


LANGUAGES = [
    "English",
    "Spanish",
    "French",
    "German",
    "Italian",
    "Portuguese",
    "Dutch",
    "Polish",
    "Russian",
    "Ukrainian",
    "Turkish",
    "Arabic",
    "Hebrew",
    "Hindi",
    "Bengali",
    "Urdu",
    "Indonesian",
    "Vietnamese",
    "Thai",
    "Japanese",
    "Korean",
    "Chinese",
    "Swedish",
    "Norwegian",
    "Danish",
    "Finnish",
    "Greek",
    "Czech",
    "Romanian",
    "Hungarian",
]


async def language_autocomplete(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    """Languages matching what the person has typed so far (any language is accepted)."""
    needle = current.strip().lower()
    matches = [name for name in LANGUAGES if needle in name.lower()] if needle else LANGUAGES
    return [app_commands.Choice(name=name, value=name) for name in matches[:25]]
