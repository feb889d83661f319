"""The dashboard's view of Discord: members' rights from the bot's own cache and REST.

The dashboard (:mod:`bot.web`) never trusts the OAuth2 server list for rights: it has base
permissions only. :class:`DiscordRights` answers from the bot's view instead: the member
(Get Guild Member, since the bot has no members intent), their roles, and each channel's
overwrites, judged by review's own rule exactly as the Discord commands judge them.
:func:`dashboard_service` starts the dashboard beside the bot when ``DASHBOARD_PORT`` is set.
"""

from __future__ import annotations

import contextlib
import logging

import discord

from bot.app import Core
from bot.review import Review
from bot.settings import Settings
from bot.storage.ports import SettingsReader
from bot.web import (
    Channel,
    DashboardConfig,
    DashboardServices,
    GuildView,
    MemberRights,
    Role,
    serve_dashboard,
)
from cogs.admin import missing_in
from cogs.review import viewer_for

log = logging.getLogger(__name__)
POSTABLE = (discord.TextChannel, discord.VoiceChannel, discord.StageChannel)


class DiscordRights:
    """:class:`bot.web.RightsOracle` through the bot: one Get Guild Member per lookup, then
    review's own :func:`cogs.review.viewer_for` on it, so the web and the commands judge a
    member by one rule."""

    def __init__(self, client: discord.Client, settings: SettingsReader) -> None:
        self._client = client
        self._settings = settings

    async def rights(self, guild_id: int, user_id: int) -> MemberRights | None:
        """The member's rights now, or None when the bot or they are not in the server."""
        guild = self._client.get_guild(guild_id)
        if guild is None or guild.unavailable:
            return None
        member = guild.get_member(user_id)
        if member is None:
            try:
                member = await guild.fetch_member(user_id)
            except (discord.NotFound, discord.Forbidden):
                return None
        viewer = viewer_for(member, await self._settings.guild_settings(guild_id))
        return MemberRights(
            guild_name=guild.name, admin=member.guild_permissions.manage_guild, viewer=viewer
        )

    def knows(self, guild_id: int) -> bool:
        """Whether the bot is in the server and Discord has it available."""
        guild = self._client.get_guild(guild_id)
        return guild is not None and not guild.unavailable

    def member_name(self, guild_id: int, user_id: int) -> str:
        """The member's display name from the cache, or their id."""
        guild = self._client.get_guild(guild_id)
        member = guild.get_member(user_id) if guild else None
        return member.display_name if member else str(user_id)

    def guild_view(self, guild_id: int) -> GuildView:
        """The server's channels (text, voice and stage chats) and roles, from the cache."""
        guild = self._client.get_guild(guild_id)
        if guild is None:
            return GuildView(channels=(), roles=())
        channels = sorted(
            (c for c in guild.channels if isinstance(c, POSTABLE)), key=lambda c: c.position
        )
        roles = [r for r in reversed(guild.roles) if not r.is_default() and not r.managed]
        return GuildView(
            channels=tuple(_channel(c) for c in channels),
            roles=tuple(Role(r.id, r.name, mentionable=r.mentionable) for r in roles),
        )


def _channel(channel: discord.abc.GuildChannel) -> Channel:
    granted = channel.permissions_for(channel.guild.me)
    return Channel(
        channel.id,
        channel.name,
        missing_for_cards=tuple(missing_in(channel)),
        mention_everyone=granted.mention_everyone,
    )


def dashboard_config(settings: Settings) -> DashboardConfig | None:
    """The dashboard's checked configuration, or None when ``DASHBOARD_PORT`` is unset."""
    return None if settings.dashboard_port is None else DashboardConfig.from_settings(settings)


class DashboardHost:
    """The dashboard beside the bot: configured (and checked) when the bot is built,
    started once it is connected, stopped when it closes."""

    def __init__(self, settings: Settings) -> None:
        self._config = dashboard_config(settings)
        self._running = contextlib.AsyncExitStack()
        self.address: str | None = None  # where it listens, once started

    async def start(self, client: discord.Client, core: Core, review: Review) -> None:
        """Serve the dashboard, when it is configured."""
        config = self._config
        if config is None or self.address is not None:
            return
        settings = core.settings
        assert settings.dashboard_port is not None  # a config exists only with a port
        services = DashboardServices(
            store=core.storage,
            rights=DiscordRights(client, core.storage),
            policy=core.policy,
            prices=core.prices,
            actions=review.actions,
            queries=review.queries,
            clock=core.clock,
        )
        serving = serve_dashboard(
            config, services, host=settings.dashboard_host, port=settings.dashboard_port
        )
        self.address = await self._running.enter_async_context(serving)

    async def stop(self) -> None:
        """Stop serving (idempotent)."""
        await self._running.aclose()
        self.address = None
