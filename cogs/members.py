"""/voicenotes: what every member can do about their own voice notes.

``/voicenotes usage`` shows the audio processed for the caller (and, for members with Manage
Server, for the server) with tokens and an estimated cost; ``/voicenotes optout`` and
``/voicenotes optin`` keep the bot away from a member's notes, or let it back. The group is
open to everyone; admin commands live in ``/voicenotes-admin``.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

import discord
from discord import app_commands
from discord.ext import commands

from bot.jobs import Policy, Prices, UsageReport, is_quota_exempt
from bot.storage import GuildSettings, UsageTotals
from bot.storage.ports import AuditLog, OptOuts, SettingsReader
from bot.timecodes import format_duration

log = logging.getLogger(__name__)
Interaction = discord.Interaction[Any]
OPTED_OUT_TEXT = (
    "Done: I won't process your voice notes any more, in any server. No automatic transcripts, "
    "and other members' commands on your notes are refused. You can still run commands on your "
    "own notes; moderators (Manage Messages) can override, and every override is logged. "
    "`/voicenotes optin` undoes this.\nWhat I already made of your notes (transcripts, "
    "replies) stays until it expires, unless you erase it now:"
)
OPTED_IN_TEXT = (
    "Done: your voice notes are processed again, automatically where a server has that on. "
    "`/voicenotes optout` stops it."
)


class MemberStore(SettingsReader, OptOuts, AuditLog, Protocol):
    """Settings (exempt roles), opt-outs and the audit log."""


def is_exempt_member(user: discord.abc.User, settings: GuildSettings | None) -> bool:
    """True when ``user`` is a server member holding one of its quota-exempt roles."""
    if not isinstance(user, discord.Member):
        return False
    return is_quota_exempt((role.id for role in user.roles), settings)


def _dollars(amount: float) -> str:
    return f"${amount:.2f}" if amount >= 1 else f"${amount:.4f}"


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def _tokens(totals: UsageTotals) -> str:
    """Tokens in (and how many came from Gemini's cache), out and spent thinking."""
    cached = f" ({totals.tokens_cached:,} cached)" if totals.tokens_cached else ""
    thinking = f" + {totals.tokens_thought:,} thinking" if totals.tokens_thought else ""
    return f"{totals.tokens_in:,} tokens in{cached} / {totals.tokens_out:,} out{thinking}"


def totals_line(label: str, totals: UsageTotals, prices: Prices) -> str:
    """One line of usage: audio, requests, tokens and the estimated cost."""
    return (
        f"{label}: **{format_duration(totals.audio_s)}** of audio · "
        f"{_count(totals.requests, 'request')} · {_tokens(totals)} · "
        f"≈ {_dollars(prices.cost(totals))}"
    )


def allowance_line(used_s: float, limit_minutes: float, resets: str, *, exempt: bool) -> str:
    """Where a daily allowance stands."""
    if exempt:
        return "Daily allowance: **exempt** here (one of your roles)"
    if limit_minutes <= 0:
        return "Daily allowance: **unlimited**"
    limit_s = limit_minutes * 60
    left = format_duration(max(0.0, limit_s - used_s))
    return (
        f"Daily allowance: {format_duration(used_s)} of {format_duration(limit_s)} used, "
        f"**{left} left** · resets at {resets}"
    )


def report_section(title: str, report: UsageReport, prices: Prices, allowance: str) -> list[str]:
    """A titled block: today, the last 30 days, and the allowance."""
    return [
        f"**{title}**",
        totals_line("Today", report.today, prices),
        totals_line("Last 30 days", report.recent, prices),
        allowance,
    ]


class MemberCommands(commands.GroupCog, group_name="voicenotes"):
    """Usage and privacy, for everyone."""

    def __init__(
        self,
        storage: MemberStore,
        policy: Policy,
        prices: Prices,
        erase_button: type[discord.ui.DynamicItem[Any]],
    ) -> None:
        super().__init__()
        self._storage = storage
        self._policy = policy
        self._prices = prices
        self._erase_button = erase_button

    @app_commands.command(name="usage", description="Audio processed for you today and lately")
    async def usage(self, interaction: Interaction) -> None:
        """The caller's usage; the server's too for members with Manage Server."""
        guild_id = interaction.guild_id
        settings = await self._storage.guild_settings(guild_id) if guild_id else None
        limits, resets = self._policy.limits, self._policy.reset_text()
        mine = await self._policy.report(user_id=interaction.user.id)
        exempt = is_exempt_member(interaction.user, settings)
        lines = report_section(
            "Your usage",
            mine,
            self._prices,
            allowance_line(mine.today.audio_s, limits.user_minutes, resets, exempt=exempt),
        )
        if guild_id is not None and interaction.permissions.manage_guild:
            server = await self._policy.report(guild_id=guild_id)
            lines += report_section(
                "This server",
                server,
                self._prices,
                allowance_line(server.today.audio_s, limits.guild_minutes, resets, exempt=False),
            )
        lines.append(_price_note(self._prices))
        await _reply(interaction, "\n".join(lines))

    @app_commands.command(name="optout", description="Never process my voice notes unless I ask")
    async def optout(self, interaction: Interaction) -> None:
        """Record the opt-out, audit it, confirm privately, and offer to erase what is
        stored about the member's notes."""
        await self._set(interaction, opted_out=True)
        view = discord.ui.View(timeout=None)
        view.add_item(self._erase_button(interaction.user.id))
        await _reply(interaction, OPTED_OUT_TEXT, view=view)

    @app_commands.command(name="optin", description="Let the bot process my voice notes again")
    async def optin(self, interaction: Interaction) -> None:
        """Withdraw the opt-out, audit it, confirm privately."""
        await self._set(interaction, opted_out=False)
        await _reply(interaction, OPTED_IN_TEXT)

    async def _set(self, interaction: Interaction, *, opted_out: bool) -> None:
        user_id = interaction.user.id
        await self._storage.set_opt_out(user_id, opted_out)
        action = "optout.set" if opted_out else "optout.clear"
        await self._storage.audit(interaction.guild_id, user_id, action, {})
        log.info("user %d: %s", user_id, action)


def _price_note(prices: Prices) -> str:
    """How the estimates are priced (thinking is billed as output)."""
    return (
        f"-# Costs are estimates at ${prices.input_per_million:.2f} per million input tokens "
        f"(${prices.cached_input_per_million:.2f} when cached) and "
        f"${prices.output_per_million:.2f} per million output and thinking tokens."
    )


async def _reply(
    interaction: Interaction, text: str, *, view: discord.ui.View | None = None
) -> None:
    options: dict[str, Any] = {"view": view} if view is not None else {}
    await interaction.response.send_message(
        text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none(), **options
    )
