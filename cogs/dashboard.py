"""The dashboard's view of Discord: members' rights from the bot's own cache and REST.

The dashboard (:mod:`bot.web`) never trusts the OAuth2 server list for rights: it has base
permissions only. :class:`DiscordRights` answers from the bot's view instead: the member
(Get Guild Member, since the bot has no members intent), their roles, and each channel's
overwrites, exactly as the Discord commands see them. :func:`dashboard_service` starts the
dashboard beside the bot when ``DASHBOARD_PORT`` is set.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import discord

from bot.app import Core
from bot.settings import Settings
from bot.web import (
    Channel,
    DashboardConfig,
    DashboardServices,
    GuildView,
    MemberRights,
    Role,
    serve_dashboard,
)

log = logging.getLogger(__name__)
ModeratorRole = Callable[[int], Awaitable[int | None]]


def is_moderator(member: discord.Member, moderator_role_id: int | None) -> bool:
    """Manage Messages in the server, or the server's moderator role."""
    if member.guild_permissions.manage_messages:
        return True
    return moderator_role_id is not None and member.get_role(moderator_role_id) is not None


def _channels(guild: discord.Guild) -> list[discord.abc.GuildChannel | discord.Thread]:
    """Every channel a note can come from: text, voice and stage chats, and the threads the
    bot knows of (their permissions are their parent's)."""
    kinds = (discord.TextChannel, discord.VoiceChannel, discord.StageChannel)
    channels: list[discord.abc.GuildChannel | discord.Thread] = [
        c for c in guild.channels if isinstance(c, kinds)
    ]
    return channels + list(guild.threads)


def member_rights(member: discord.Member, moderator_role_id: int | None) -> MemberRights:
    """What ``member`` may do in their server: admin (Manage Server), moderator, and the
    channels they may view, and manage messages in."""
    visible, manageable = set(), set()
    for channel in _channels(member.guild):
        permissions = channel.permissions_for(member)
        if permissions.view_channel:
            visible.add(channel.id)
            if permissions.manage_messages:
                manageable.add(channel.id)
    return MemberRights(
        guild_name=member.guild.name,
        admin=member.guild_permissions.manage_guild,
        moderator=is_moderator(member, moderator_role_id),
        visible_channels=frozenset(visible),
        manageable_channels=frozenset(manageable),
    )


class DiscordRights:
    """:class:`bot.web.RightsOracle` through the bot: one Get Guild Member per lookup."""

    def __init__(self, client: discord.Client, moderator_role: ModeratorRole) -> None:
        self._client = client
        self._moderator_role = moderator_role

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
        return member_rights(member, await self._moderator_role(guild_id))

    def guild_view(self, guild_id: int) -> GuildView:
        """The server's channels (text, voice and stage chats) and roles, from the cache."""
        guild = self._client.get_guild(guild_id)
        if guild is None:
            return GuildView(channels=(), roles=())
        kinds = (discord.TextChannel, discord.VoiceChannel, discord.StageChannel)
        channels = sorted(
            (c for c in guild.channels if isinstance(c, kinds)), key=lambda c: c.position
        )
        roles = [r for r in reversed(guild.roles) if not r.is_default() and not r.managed]
        return GuildView(
            channels=tuple(Channel(c.id, c.name) for c in channels),
            roles=tuple(Role(r.id, r.name) for r in roles),
        )


def dashboard_config(settings: Settings) -> DashboardConfig | None:
    """The dashboard's checked configuration, or None when ``DASHBOARD_PORT`` is unset."""
    return None if settings.dashboard_port is None else DashboardConfig.from_settings(settings)


@asynccontextmanager
async def dashboard_service(
    client: discord.Client,
    core: Core,
    config: DashboardConfig | None,
    moderator_role: ModeratorRole,
) -> AsyncIterator[str | None]:
    """The dashboard, served while the block runs (its address), or None when it is off."""
    if config is None:
        yield None
        return
    settings = core.settings
    assert settings.dashboard_port is not None  # a config exists only with a port
    services = DashboardServices(
        store=core.storage,
        rights=DiscordRights(client, moderator_role),
        policy=core.policy,
        prices=core.prices,
        clock=core.clock,
    )
    async with serve_dashboard(
        config, services, host=settings.dashboard_host, port=settings.dashboard_port
    ) as address:
        yield address
