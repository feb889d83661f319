"""Review settings: /voicenotes-admin review (a mixin of the group, Manage Server).

With no option it shows the review settings. Setting a channel first checks, in the bot's
permission cache, that the bot can view it, send, embed and attach there, and refuses with
exactly what is missing; a moderator role that the bot cannot ping (Discord only notifies
for a mentionable role, or when the sender has Mention Everyone) is kept with a warning.
Every change is audited.
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.admin import ServerAdmin, cannot_post_cards, unpingable_role
from bot.model import Severity
from bot.storage import GuildSettings, ReviewCards
from cogs.admin._settings import describe_review

Interaction = discord.Interaction[Any]
NEEDED = {
    "view_channel": "View Channels",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
    "attach_files": "Attach Files",
}
CARD_CHOICES = [
    app_commands.Choice(name="all processed notes", value=ReviewCards.ALL.value),
    app_commands.Choice(name="only flagged or reported notes", value=ReviewCards.FLAGGED.value),
]
SEVERITY_CHOICES = [app_commands.Choice(name=s.value, value=s.value) for s in Severity]


def missing_in(channel: discord.abc.GuildChannel) -> list[str]:
    """What the bot lacks in ``channel`` to post cards there."""
    granted = channel.permissions_for(channel.guild.me)
    return [label for flag, label in NEEDED.items() if not getattr(granted, flag)]


def role_warning(settings: GuildSettings, guild: discord.Guild | None) -> str | None:
    """Why the moderator role would not be pinged, if it would not."""
    if guild is None or settings.review_role_id is None or settings.review_channel_id is None:
        return None
    role = guild.get_role(settings.review_role_id)
    channel = guild.get_channel(settings.review_channel_id)
    if role is None or channel is None:
        return None
    if role.mentionable or channel.permissions_for(guild.me).mention_everyone:
        return None
    return unpingable_role(role.mention, channel.mention)


class ReviewSettingsCommands(commands.Cog):
    """The review subcommand of :class:`cogs.admin.AdminCommands`."""

    _admin: ServerAdmin

    @app_commands.command(name="review", description="Show or change moderators' review")
    @app_commands.describe(
        channel="Where review cards are posted (turns review on)",
        role="The moderator role: may use review, pinged for serious flags",
        cards="Cards for every processed note, or only flagged and reported ones",
        min_severity="The lowest flag severity that pings the moderator role",
        off="True turns review off",
    )
    @app_commands.choices(cards=CARD_CHOICES, min_severity=SEVERITY_CHOICES)
    async def review(
        self,
        interaction: Interaction,
        channel: discord.TextChannel | None = None,
        role: discord.Role | None = None,
        cards: str | None = None,
        min_severity: str | None = None,
        off: bool | None = None,
    ) -> None:
        """Show the review settings, after applying any option given."""
        assert interaction.guild_id is not None
        if channel is not None and (missing := missing_in(channel)):
            raise cannot_post_cards(channel.mention, missing)
        changes: dict[str, Any] = {
            "review_channel_id": channel.id if channel else None,
            "review_role_id": role.id if role else None,
            "review_cards": cards,
            "review_min_severity": min_severity,
        }
        changes = {key: value for key, value in changes.items() if value is not None}
        if off:
            changes["review_channel_id"] = None
        settings = await self._apply(interaction, changes)
        lines = [describe_review(settings)]
        if warning := role_warning(settings, interaction.guild):
            lines.append(warning)
        await interaction.response.send_message(
            "\n".join(lines), ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
        )

    async def _apply(self, interaction: Interaction, changes: dict[str, Any]) -> GuildSettings:
        assert interaction.guild_id is not None
        return await self._admin.update_review(interaction.guild_id, interaction.user.id, changes)
