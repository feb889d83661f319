"""One error handler for every app command: it always answers, whichever way still works.

:func:`user_message` is a pure mapping from an error to plain words (None for a bug);
:func:`answer` is the fallback chain (never public for a private request);
:class:`VoiceNotesTree` is the bot's command tree, whose ``on_error`` joins the two
(installed with ``tree_cls=``, never bolted on).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
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


NO_MENTIONS = discord.AllowedMentions.none()
Step = Callable[[Interaction, str], Awaitable[bool]]


def is_private(interaction: Interaction) -> bool:
    """Whether the person asked for privacy (the commands' ``private`` option)."""
    return bool(getattr(interaction.namespace, "private", False))


async def _respond(interaction: Interaction, text: str) -> bool:
    if interaction.response.is_done():
        return False
    await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
    return True


async def _edit_deferred(interaction: Interaction, text: str) -> bool:
    """A deferred ("thinking…") response becomes the error: followups after a deleted
    original are refused (10008), and the edit keeps the request's own visibility."""
    if interaction.response.type is not discord.InteractionResponseType.deferred_channel_message:
        return False
    await interaction.edit_original_response(content=text, allowed_mentions=NO_MENTIONS)
    return True


async def _follow_up(interaction: Interaction, text: str) -> bool:
    await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
    return True


async def _direct_message(interaction: Interaction, text: str) -> bool:
    await interaction.user.send(text, allowed_mentions=NO_MENTIONS)
    return True


async def _in_channel(interaction: Interaction, text: str) -> bool:
    channel = interaction.channel
    if not isinstance(channel, discord.abc.Messageable):
        return False
    await channel.send(f"{interaction.user.mention} {text}", allowed_mentions=NO_MENTIONS)
    return True


async def answer(interaction: Interaction, text: str) -> None:
    """The fallback chain: the response, the deferred response edited into the error, a
    private followup, a DM, and, only for a request that was not private, the channel."""
    steps: list[Step] = [_respond, _edit_deferred, _follow_up, _direct_message]
    if not is_private(interaction):
        steps.append(_in_channel)
    for step in steps:
        try:
            if await step(interaction, text):
                return
        except DISCORD_REFUSALS as error:
            log.info(
                "interaction %d: %s failed (%s)", interaction.id, step.__name__, refusal(error)
            )
    log.warning("interaction %d: could not answer anywhere", interaction.id)


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
