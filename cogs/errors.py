"""One error handler for every app command: it always answers, whichever way still works.

:func:`user_message` is a pure mapping from an error to plain words (None for a bug);
:func:`answer` is the fallback chain; :class:`VoiceNotesTree` is the bot's command tree,
whose ``on_error`` joins the two (installed with ``tree_cls=``, never bolted on).
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

from bot.errors import VoiceNoteError
from cogs._common import DISCORD_REFUSALS, refusal
from cogs._permissions import PERMISSION_NAMES

log = logging.getLogger(__name__)
Interaction = discord.Interaction[Any]
_GENERIC = "Something went wrong on my side; please try again in a moment."


def user_message(error: app_commands.AppCommandError) -> str | None:
    """Plain words for errors the person can act on; None for bugs (logged, generic reply)."""
    original = getattr(error, "original", error)
    if isinstance(original, VoiceNoteError):
        return original.user_message
    if isinstance(error, app_commands.MissingPermissions):
        needed = ", ".join(
            PERMISSION_NAMES.get(p, p.replace("_", " ").title()) for p in error.missing_permissions
        )
        return f"You need the {needed} permission for this."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command only works in a server."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down: try again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.TransformerError):
        return f"I couldn't understand the value {str(error.value)[:50]!r}."
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use this command here."
    return None


async def answer(interaction: Interaction, text: str) -> None:
    """Reply through the response, a followup, or the channel: whichever still works."""
    mentions = discord.AllowedMentions.none()
    try:
        if not interaction.response.is_done():
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=mentions)
        else:
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=mentions)
        return
    except discord.HTTPException as error:
        log.info("interaction %d: answer failed (%s); trying the channel", interaction.id, error)
    channel = interaction.channel
    if isinstance(channel, discord.abc.Messageable):
        try:
            await channel.send(f"{interaction.user.mention} {text}", allowed_mentions=mentions)
        except DISCORD_REFUSALS as error:
            log.warning(
                "interaction %d: could not answer anywhere (%s)", interaction.id, refusal(error)
            )


class VoiceNotesTree(app_commands.CommandTree[Any]):
    """The command tree: every app command's failure is answered here."""

    async def on_error(self, interaction: Interaction, error: app_commands.AppCommandError) -> None:
        """Log with context (ids only), then answer the person in plain words."""
        message = user_message(error)
        command = interaction.command.qualified_name if interaction.command else "?"
        cause = getattr(error, "original", error)
        if message is None:
            log.error(
                "command %s failed (interaction %d, guild %s, user %d)",
                command,
                interaction.id,
                interaction.guild_id,
                interaction.user.id,
                exc_info=cause,
            )
            message = _GENERIC
        else:
            log.info("command %s refused: %s", command, type(cause).__name__)
        await answer(interaction, f"⚠️ {message}")
