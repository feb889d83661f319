"""/voicenotes-admin status: this server's notes and audio today, and Gemini's state
(a mixin of the group; the facts come from :class:`bot.ops.GuildStatusReader`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import quota_resume_text
from bot.ops import GuildStatus, GuildStatusReader
from bot.timecodes import format_duration

Interaction = discord.Interaction[Any]


def _until(moment: datetime, now: datetime) -> str:
    return format_duration(max(0.0, (moment - now).total_seconds()))


def gemini_line(status: GuildStatus) -> str:
    """Whether Gemini is available, paused for the daily quota or rate-limited, and until
    when."""
    now = status.now
    if status.paused_until is not None:
        return (
            f"Gemini: ⏸️ **paused**: the bot's daily Gemini quota is used up; notes wait and "
            f"are processed after {quota_resume_text(status.paused_until)}, in "
            f"{_until(status.paused_until, now)}"
        )
    if status.rate_full and status.rate.oldest_leaves_at is not None:
        leaves = status.rate.oldest_leaves_at
        return (
            f"Gemini: ⏳ **rate-limited**: all {status.per_minute} requests of the last minute "
            f"are used; the next one can go at {leaves.astimezone(UTC):%H:%M:%S} UTC, in "
            f"{_until(leaves, now)}"
        )
    if status.rate_limited_at is not None:
        ago = format_duration(max(0.0, (now - status.rate_limited_at).total_seconds()))
        return (
            f"Gemini: ⏳ **rate-limited**: Gemini asked the bot to slow down {ago} ago; "
            "notes are retried automatically"
        )
    used = f"{status.rate.used} of {status.per_minute} requests in the last minute"
    return f"Gemini: ✅ **available** ({used})"


def describe_status(status: GuildStatus) -> str:
    """The status as a short message."""
    jobs = status.jobs
    audio = format_duration(status.audio_today_s)
    if status.quota_minutes > 0:
        allowance = format_duration(status.quota_minutes * 60)
        quota = (
            f"Audio today: **{audio}** of this server's **{allowance}** daily allowance · "
            f"resets at {status.resets}"
        )
    else:
        quota = f"Audio today: **{audio}** (no daily allowance set)"
    return "\n".join(
        [
            "**Voice notes status**",
            f"Notes: **{jobs.waiting}** waiting · **{jobs.running}** running · "
            f"**{jobs.done}** done today · **{jobs.failed}** failed today",
            quota,
            gemini_line(status),
            "-# Notes and audio are this server's; Gemini's state is shared by every server.",
        ]
    )


class StatusCommands(commands.Cog):
    """The status subcommand of :class:`cogs.admin.AdminCommands` (a mixin)."""

    _status: GuildStatusReader

    @app_commands.command(
        name="status", description="This server's notes, audio and Gemini's state"
    )
    async def status(self, interaction: Interaction) -> None:
        """This server's status, privately."""
        assert interaction.guild_id is not None
        status = await self._status.read(interaction.guild_id)
        await interaction.response.send_message(
            describe_status(status),
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )
