"""Review's permission facts, read from discord.py's cache (no request, so nothing Discord
would refuse is ever asked): a member's :class:`bot.review.Viewer`, and the roles and
overwrites that decide whether a card may show its content."""

from __future__ import annotations

from typing import Any

import discord

from bot.review import ChannelRules, GuildRules, Overwrite, Viewer, every_viewer_sees, is_moderator
from bot.storage import GuildSettings, NotePlace


def viewer_for(member: discord.Member, settings: GuildSettings) -> Viewer:
    """What ``member`` may see and do in review, per channel, as Discord computes their
    permissions (threads follow their parent)."""
    visible, private_threads, manages = set(), set(), set()
    for channel in member.guild.channels:
        if isinstance(channel, discord.CategoryChannel):
            continue
        granted = channel.permissions_for(member)
        if not granted.view_channel:
            continue
        visible.add(channel.id)
        if granted.manage_threads:
            private_threads.add(channel.id)
        if granted.manage_messages:
            manages.add(channel.id)
    moderator = is_moderator(
        manage_messages=member.guild_permissions.manage_messages,
        role_ids=[role.id for role in member.roles],
        settings=settings,
    )
    return Viewer(
        guild_id=member.guild.id,
        user_id=member.id,
        name=member.display_name,
        moderator=moderator,
        visible=frozenset(visible),
        private_threads=frozenset(private_threads),
        manages=frozenset(manages),
    )


def interaction_viewer(interaction: discord.Interaction[Any], settings: GuildSettings) -> Viewer:
    """The viewer of an interaction in a server (its member carries their roles)."""
    member = interaction.user
    if not isinstance(member, discord.Member):
        raise TypeError("review interactions come from server members")
    return viewer_for(member, settings)


def _pair(overwrite: discord.PermissionOverwrite) -> Overwrite:
    allow, deny = overwrite.pair()
    return Overwrite(allow=allow.value, deny=deny.value)


def channel_rules(channel: discord.abc.GuildChannel) -> ChannelRules:
    """A channel's overwrites for @everyone, per role and per member."""
    everyone: Overwrite | None = None
    roles: dict[int, Overwrite] = {}
    members: dict[int, Overwrite] = {}
    for target, overwrite in channel.overwrites.items():
        if isinstance(target, discord.Role) and target.is_default():
            everyone = _pair(overwrite)
        elif isinstance(target, discord.Role):
            roles[target.id] = _pair(overwrite)
        else:
            members[target.id] = _pair(overwrite)
    return ChannelRules(everyone=everyone, roles=roles, members=members)


def guild_rules(guild: discord.Guild) -> GuildRules:
    """The base permissions of @everyone and of each role."""
    return GuildRules(
        everyone=guild.default_role.permissions.value,
        roles={r.id: r.permissions.value for r in guild.roles if not r.is_default()},
    )


def content_withheld(guild: discord.Guild | None, place: NotePlace, review_channel_id: int) -> bool:
    """Whether a card of this note must withhold its content in the review channel: some
    member who can see the review channel cannot see the note's channel. A private thread,
    or anything the cache does not know, is withheld."""
    if guild is None or place.private_thread:
        return True
    source = guild.get_channel(place.access_channel_id)
    review = guild.get_channel(review_channel_id)
    if source is None or review is None:
        return True
    return not every_viewer_sees(guild_rules(guild), channel_rules(source), channel_rules(review))
