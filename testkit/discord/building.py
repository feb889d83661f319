"""Building the fake's world: users, guilds, roles, members, channels, threads, permissions.

Build it before the bot connects; changes made afterwards are announced to the bot
(GUILD_CREATE, GUILD_MEMBER_ADD, CHANNEL_CREATE...) before the next event.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import permissions as perms
from .core import Core
from .models import ChannelType, FakeChannel, FakeGuild, FakeMember, FakeRole, FakeUser
from .payloads import channel_payload, member_payload, role_payload, thread_payload, user_payload


class WorldBuilding:
    """World-building methods of ``FakeDiscord`` (mixed in; needs ``self._core``)."""

    _core: Core

    def make_user(
        self, name: str, *, global_name: str | None = None, bot: bool = False, dms_open: bool = True
    ) -> FakeUser:
        """Create a user; ``dms_open=False`` makes DMs to them fail with 50007."""
        user = self._core.world.make_user(name, global_name=global_name, bot=bot)
        user.dms_open = dms_open
        return user

    def add_guild(
        self,
        name: str = "Test Guild",
        *,
        owner: FakeUser | None = None,
        bot_permissions: Iterable[str] = perms.DEFAULT_BOT_PERMISSIONS,
        premium_tier: int = 0,
        locale: str = "en-US",
        everyone_permissions: Iterable[str] = perms.DEFAULT_EVERYONE_PERMISSIONS,
    ) -> FakeGuild:
        """A guild the bot is in, with the bot's managed role carrying ``bot_permissions``
        and @everyone ``everyone_permissions`` (Discord's defaults for a new server)."""
        guild = self._core.world.add_guild(
            name,
            owner=owner,
            bot_permissions=bot_permissions,
            premium_tier=premium_tier,
            locale=locale,
            everyone_permissions=everyone_permissions,
        )
        self._core.queue_event("GUILD_CREATE", self._core.guild_create(guild, 1 << 1), guild.id)
        return guild

    def add_role(
        self,
        guild: FakeGuild,
        name: str,
        *,
        permissions: Iterable[str] = (),
        mentionable: bool = False,
    ) -> FakeRole:
        """A role with the given permission names; ``mentionable`` is the role setting "Allow
        anyone to @mention this role" (Discord's role object: ``mentionable``)."""
        role = self._core.world.add_role(
            guild, name, permissions=permissions, mentionable=mentionable
        )
        self._core.queue_event(
            "GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": role_payload(role)}, guild.id
        )
        return role

    def edit_role(
        self,
        guild: FakeGuild,
        role: FakeRole,
        *,
        permissions: Iterable[str] | None = None,
        mentionable: bool | None = None,
    ) -> None:
        """Change a role (@everyone too: ``guild.roles[guild.id]``); GUILD_ROLE_UPDATE."""
        if permissions is not None:
            role.permissions = perms.permission_value(permissions)
        if mentionable is not None:
            role.mentionable = mentionable
        data = {"guild_id": str(guild.id), "role": role_payload(role)}
        self._core.queue_event("GUILD_ROLE_UPDATE", data, guild.id)

    def add_member(
        self,
        guild: FakeGuild,
        user: FakeUser,
        *,
        roles: Iterable[FakeRole] = (),
        permissions: Iterable[str] | None = None,
    ) -> FakeMember:
        """Make ``user`` a member; ``permissions`` adds a personal role with those names."""
        roles = list(roles)
        if permissions is not None:
            roles.append(self.add_role(guild, f"{user.username}-perms", permissions=permissions))
        member = self._core.world.add_member(guild, user, roles=roles)
        data = member_payload(member) | {"guild_id": str(guild.id)}
        self._core.queue_event("GUILD_MEMBER_ADD", data, guild.id)
        return member

    def set_member_roles(self, guild: FakeGuild, user: FakeUser, roles: Iterable[FakeRole]) -> None:
        """Replace a member's roles (Modify Guild Member); GUILD_MEMBER_UPDATE reaches only
        sessions with the Guild Members intent."""
        member = guild.members[user.id]
        member.roles = [role.id for role in roles]
        data = member_payload(member) | {"guild_id": str(guild.id)}
        self._core.queue_event("GUILD_MEMBER_UPDATE", data, guild.id)

    def remove_member(self, guild: FakeGuild, user: FakeUser) -> None:
        """``user`` leaves the server (GUILD_MEMBER_REMOVE, Guild Members intent only)."""
        del guild.members[user.id]
        data = {"guild_id": str(guild.id), "user": user_payload(user)}
        self._core.queue_event("GUILD_MEMBER_REMOVE", data, guild.id)

    def add_text_channel(
        self,
        guild: FakeGuild,
        name: str,
        *,
        denied: Iterable[str] = (),
        allowed: Iterable[str] = (),
        announcement: bool = False,
        topic: str | None = None,
        private: bool = False,
        visible_to: Iterable[FakeRole | FakeUser] = (),
    ) -> FakeChannel:
        """A text (or announcement) channel; ``denied``/``allowed`` are permission names
        overwritten for the bot (e.g. ``{"CREATE_PUBLIC_THREADS"}``).

        ``private=True`` makes a private channel as Discord's client does: @everyone is
        denied View Channel, and the bot (unless ``denied`` says otherwise) and each role or
        member of ``visible_to`` are allowed it by their own overwrite."""
        kind = ChannelType.GUILD_ANNOUNCEMENT if announcement else ChannelType.GUILD_TEXT
        if private and "VIEW_CHANNEL" not in {d.upper() for d in denied}:
            allowed = {*allowed, "VIEW_CHANNEL"}
        channel = self._core.world.add_channel(guild, name, kind, denied=denied, allowed=allowed)
        channel.topic = topic
        if private:
            self._core.world.set_overwrite(channel, guild.id, 0, denied={"VIEW_CHANNEL"})
        for target in visible_to:
            kind_of = 0 if isinstance(target, FakeRole) else 1
            self._core.world.set_overwrite(channel, target.id, kind_of, allowed={"VIEW_CHANNEL"})
        self._core.queue_event("CHANNEL_CREATE", channel_payload(channel), guild.id)
        return channel

    def set_permissions(
        self,
        channel: FakeChannel,
        target: FakeRole | FakeUser | FakeGuild,
        *,
        allowed: Iterable[str] = (),
        denied: Iterable[str] = (),
        notify: bool = True,
    ) -> None:
        """Replace the overwrite of a role, a member or (a guild) @everyone on ``channel``
        (Edit Channel Permissions); announced with CHANNEL_UPDATE unless ``notify=False``."""
        kind = 1 if isinstance(target, FakeUser) else 0
        self._core.world.set_overwrite(channel, target.id, kind, allowed=allowed, denied=denied)
        if notify:
            self._core.queue_event("CHANNEL_UPDATE", channel_payload(channel), channel.guild_id)

    def add_forum_channel(
        self, guild: FakeGuild, name: str, *, denied: Iterable[str] = (), media: bool = False
    ) -> FakeChannel:
        """A forum (or media) channel: every post is a thread."""
        kind = ChannelType.GUILD_MEDIA if media else ChannelType.GUILD_FORUM
        return self._add_channel(guild, name, kind, denied, (), None)

    def add_voice_channel(self, guild: FakeGuild, name: str) -> FakeChannel:
        """A voice channel (its text chat accepts messages but no threads)."""
        return self._add_channel(guild, name, ChannelType.GUILD_VOICE, (), (), None)

    def _add_channel(
        self,
        guild: FakeGuild,
        name: str,
        kind: ChannelType,
        denied: Iterable[str],
        allowed: Iterable[str],
        topic: str | None,
    ) -> FakeChannel:
        channel = self._core.world.add_channel(guild, name, kind, denied=denied, allowed=allowed)
        channel.topic = topic
        self._core.queue_event("CHANNEL_CREATE", channel_payload(channel), guild.id)
        return channel

    def add_thread(
        self,
        parent: FakeChannel,
        name: str,
        *,
        owner: FakeUser | None = None,
        private: bool = False,
        archived: bool = False,
        locked: bool = False,
    ) -> FakeChannel:
        """An existing thread under a text or forum channel."""
        kind = ChannelType.PRIVATE_THREAD if private else ChannelType.PUBLIC_THREAD
        thread = self._core.world.add_thread(
            parent, name, owner=owner or self._core.bot_user, kind=kind
        )
        thread.archived, thread.locked = archived, locked
        data = thread_payload(thread) | {"newly_created": True}
        self._core.queue_event("THREAD_CREATE", data, thread.guild_id)
        return thread

    def set_bot_permissions(
        self,
        channel: FakeChannel,
        *,
        denied: Iterable[str] = (),
        allowed: Iterable[str] = (),
        notify: bool = True,
    ) -> None:
        """Replace the bot's overwrite on a channel; ``notify=False`` keeps the bot's cache
        stale (the server enforces the change, CHANNEL_UPDATE is not sent)."""
        self._core.world.set_bot_overwrite(channel, denied=denied, allowed=allowed)
        if notify:
            self._core.queue_event("CHANNEL_UPDATE", channel_payload(channel), channel.guild_id)

    def dm_channel(self, user: FakeUser) -> FakeChannel:
        """The DM channel between the bot and a user."""
        return self._core.world.dm_channel(user)

    # ----- what happened ----------------------------------------------------------------------
