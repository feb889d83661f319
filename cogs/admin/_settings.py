"""Server settings: /voicenotes-admin settings, channel and exempt (a mixin of the group)."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.admin import INHERIT, ServerAdmin
from bot.options import MAX_LANGUAGE_CHARS, Engine, OutputMode
from bot.storage import AutoMode, GuildSettings, ReplyStyle
from bot.timecodes import format_duration
from cogs._common import language_autocomplete

Interaction = discord.Interaction[Any]
AUTO_CHOICES = [
    app_commands.Choice(name="off", value=AutoMode.OFF.value),
    app_commands.Choice(name="voice messages", value=AutoMode.VOICE.value),
    app_commands.Choice(name="all audio and video files", value=AutoMode.ALL_AUDIO.value),
]
OUTPUT_CHOICES = [app_commands.Choice(name=m.value, value=m.value) for m in OutputMode]
STYLE_CHOICES = [app_commands.Choice(name=s.value, value=s.value) for s in ReplyStyle]
BOT_DEFAULT = "default"
ENGINE_CHOICES = [
    app_commands.Choice(
        name="gemini (one request: transcript, emotions)", value=Engine.GEMINI.value
    ),
    app_commands.Choice(name="gemini-transcribe (speech model)", value=Engine.SPEECH.value),
    app_commands.Choice(name="the bot's default", value=BOT_DEFAULT),
]


def describe_settings(settings: GuildSettings) -> str:
    """The settings as a short, readable message."""
    limit = format_duration(settings.max_duration_s) if settings.max_duration_s else "bot default"
    engine = settings.transcribe_engine.value if settings.transcribe_engine else "bot default"
    return "\n".join(
        [
            "**Voice notes settings**",
            f"Auto-transcribe: **{settings.auto_mode.value}**",
            f"Output: **{settings.output_mode.value}**",
            f"Translate to: **{discord.utils.escape_markdown(settings.translate_to)}**",
            f"Reply style: **{settings.reply_style.value}**",
            f"Max duration: **{limit}**",
            f"Quiet mode: **{'on' if settings.quiet else 'off'}**",
            f"Quota-exempt roles: {describe_roles(settings.exempt_role_ids)}",
            f"Video links: **{'on' if settings.links_enabled else 'off'}**",
            f"Transcription engine: **{engine}**",
            f"Word timestamps: **{'on' if settings.word_timestamps else 'off'}**",
            describe_review(settings),
        ]
    )


def describe_review(settings: GuildSettings) -> str:
    """The review settings in one line (mentions shown, never pinging)."""
    if settings.review_channel_id is None:
        return "Moderator review: **off** (`/voicenotes-admin review channel:` turns it on)"
    role = f"<@&{settings.review_role_id}>" if settings.review_role_id else "**none**"
    return (
        f"Moderator review: **on** in <#{settings.review_channel_id}> · moderator role {role} · "
        f"cards for **{settings.review_cards.value}** notes · pings from "
        f"**{settings.review_min_severity.value}** severity"
    )


def describe_roles(role_ids: tuple[int, ...]) -> str:
    """Role mentions (shown, never pinging: replies allow no mentions), or **none**."""
    return ", ".join(f"<@&{role_id}>" for role_id in role_ids) or "**none**"


class SettingsCommands(commands.Cog):
    """The settings subcommands of :class:`cogs.admin.AdminCommands` (a mixin: a Cog so
    discord.py types its commands; only the joined group is ever loaded)."""

    _admin: ServerAdmin

    @app_commands.command(name="settings", description="Show or change this server's settings")
    @app_commands.describe(
        auto="What to transcribe on its own",
        output="What automatic replies contain",
        translate_to="Language for translations and summaries",
        reply_style="Reply in a thread on the note, or as a reply",
        max_duration="Longest note to process (MM:SS, H:MM:SS or seconds; 'default': the bot's)",
        quiet="Quiet mode: no reactions or progress messages",
        links="Accept YouTube video links (they cost more than voice notes)",
        engine="How transcripts are made",
        word_timestamps="Word-timed subtitles with the speech engine (experimental)",
    )
    @app_commands.choices(
        auto=AUTO_CHOICES, output=OUTPUT_CHOICES, reply_style=STYLE_CHOICES, engine=ENGINE_CHOICES
    )
    @app_commands.autocomplete(translate_to=language_autocomplete)
    async def settings(
        self,
        interaction: Interaction,
        auto: str | None = None,
        output: str | None = None,
        translate_to: app_commands.Range[str, 1, MAX_LANGUAGE_CHARS] | None = None,
        reply_style: str | None = None,
        max_duration: str | None = None,
        quiet: bool | None = None,
        links: bool | None = None,
        engine: str | None = None,
        word_timestamps: bool | None = None,
    ) -> None:
        """Show the settings, after applying any option given."""
        assert interaction.guild_id is not None
        entered = {
            "auto": auto,
            "output": output,
            "translate_to": translate_to,
            "reply_style": reply_style,
            "max_duration": max_duration,
            "quiet": quiet,
            "links": links,
            "engine": engine,
            "word_timestamps": word_timestamps,
        }
        current = await self._admin.update(interaction.guild_id, interaction.user.id, entered)
        await interaction.response.send_message(
            describe_settings(current),
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @app_commands.command(name="channel", description="Override auto-transcription in a channel")
    @app_commands.describe(channel="The channel (default: this one)", auto="'inherit' to clear")
    @app_commands.choices(
        auto=[*AUTO_CHOICES, app_commands.Choice(name="inherit server setting", value=INHERIT)]
    )
    async def channel(
        self,
        interaction: Interaction,
        auto: str,
        channel: discord.TextChannel | discord.ForumChannel | None = None,
    ) -> None:
        """Set or clear one channel's auto mode."""
        assert interaction.guild_id is not None
        channel_id = channel.id if channel else interaction.channel_id
        assert channel_id is not None
        mode = await self._admin.set_channel_mode(
            interaction.guild_id, interaction.user.id, channel_id, auto
        )
        shown = mode.value if mode else "the server setting"
        await interaction.response.send_message(
            f"Auto-transcription in <#{channel_id}> now follows: **{shown}**.",
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @app_commands.command(name="exempt", description="Exempt a role from the daily user quota")
    @app_commands.describe(role="The role", remove="True to remove the role's exemption")
    async def exempt(
        self, interaction: Interaction, role: discord.Role, remove: bool = False
    ) -> None:
        """Add or remove a quota-exempt role (members still count toward the server's quota)."""
        assert interaction.guild_id is not None
        updated = await self._admin.set_exempt_role(
            interaction.guild_id, interaction.user.id, role.id, exempt=not remove
        )
        await interaction.response.send_message(
            f"Quota-exempt roles: {describe_roles(updated.exempt_role_ids)}\n"
            "-# Members with these roles have no daily user quota; their audio still counts "
            "toward the server's.",
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )
