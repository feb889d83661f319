"""The fake's world: users, guilds, roles, members and channels, and permission checks."""

from __future__ import annotations

from collections.abc import Iterable

from . import errors
from . import permissions as perms
from .ids import FakeClock, SnowflakeGenerator
from .models import (
    ChannelType,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    Overwrite,
)

ChannelRef = FakeChannel | int


class World:
    """All entities known to the fake, with id lookups that raise Discord errors."""

    def __init__(self, clock: FakeClock, ids: SnowflakeGenerator, bot_user: FakeUser) -> None:
        self.clock = clock
        self.ids = ids
        self.bot_user = bot_user
        self.users: dict[int, FakeUser] = {bot_user.id: bot_user}
        self.guilds: dict[int, FakeGuild] = {}
        self.channels: dict[int, FakeChannel] = {}
        self.dm_channels: dict[int, FakeChannel] = {}

    # ----- building -------------------------------------------------------------------------
    def make_user(
        self, name: str, *, global_name: str | None = None, bot: bool = False
    ) -> FakeUser:
        """Create a user (not yet a member of any guild)."""
        user = FakeUser(id=self.ids.next(), username=name, global_name=global_name, bot=bot)
        self.users[user.id] = user
        return user

    def add_guild(
        self,
        name: str,
        *,
        owner: FakeUser | None,
        bot_permissions: Iterable[str],
        premium_tier: int,
        locale: str,
        everyone_permissions: Iterable[str] = perms.DEFAULT_EVERYONE_PERMISSIONS,
    ) -> FakeGuild:
        """Create a guild with an @everyone role, the bot's managed role and the bot member."""
        owner = owner or self.make_user(f"{name.lower().replace(' ', '_')}_owner")
        guild = FakeGuild(
            id=self.ids.next(),
            name=name,
            owner_id=owner.id,
            joined_at=self.clock.iso(),
            premium_tier=premium_tier,
            locale=locale,
        )
        everyone = perms.permission_value(everyone_permissions)
        guild.roles[guild.id] = FakeRole(id=guild.id, name="@everyone", permissions=everyone)
        self.guilds[guild.id] = guild
        bot_role = self.add_role(guild, self.bot_user.username, permissions=bot_permissions)
        bot_role.managed, bot_role.bot_id = True, self.bot_user.id
        self.add_member(guild, self.bot_user, roles=[bot_role])
        self.add_member(guild, owner)
        return guild

    def add_role(
        self,
        guild: FakeGuild,
        name: str,
        *,
        permissions: Iterable[str] = (),
        mentionable: bool = False,
    ) -> FakeRole:
        """Create a role with the given permission names."""
        role = FakeRole(
            id=self.ids.next(),
            name=name,
            permissions=perms.permission_value(permissions),
            position=len(guild.roles),
            mentionable=mentionable,
        )
        guild.roles[role.id] = role
        return role

    def add_member(
        self, guild: FakeGuild, user: FakeUser, *, roles: Iterable[FakeRole] = ()
    ) -> FakeMember:
        """Make ``user`` a member of ``guild`` with the given roles."""
        self.users[user.id] = user
        member = FakeMember(
            user=user, guild_id=guild.id, roles=[r.id for r in roles], joined_at=self.clock.iso()
        )
        guild.members[user.id] = member
        return member

    def add_channel(
        self,
        guild: FakeGuild,
        name: str,
        kind: ChannelType,
        *,
        denied: Iterable[str] = (),
        allowed: Iterable[str] = (),
    ) -> FakeChannel:
        """Create a guild channel; ``denied``/``allowed`` become an overwrite for the bot member."""
        channel = FakeChannel(
            id=self.ids.next(),
            type=kind,
            name=name,
            guild_id=guild.id,
            position=len(guild.channel_ids),
        )
        self.set_bot_overwrite(channel, denied=denied, allowed=allowed)
        self.channels[channel.id] = channel
        guild.channel_ids.append(channel.id)
        return channel

    def add_thread(
        self,
        parent: FakeChannel,
        name: str,
        *,
        owner: FakeUser,
        kind: ChannelType,
        thread_id: int | None = None,
        auto_archive_duration: int = 1440,
    ) -> FakeChannel:
        """Create a thread under ``parent`` (its id can be a message id)."""
        now = self.clock.iso()
        thread = FakeChannel(
            id=thread_id or self.ids.next(),
            type=kind,
            name=name,
            guild_id=parent.guild_id,
            parent_id=parent.id,
            owner_id=owner.id,
            auto_archive_duration=auto_archive_duration,
            archive_timestamp=now,
            create_timestamp=now,
            member_ids={owner.id},
        )
        self.channels[thread.id] = thread
        return thread

    def set_bot_overwrite(
        self, channel: FakeChannel, *, denied: Iterable[str], allowed: Iterable[str] = ()
    ) -> None:
        """Replace the bot member's overwrite on ``channel``."""
        self.set_overwrite(channel, self.bot_user.id, 1, denied=denied, allowed=allowed)

    def set_overwrite(
        self,
        channel: FakeChannel,
        target_id: int,
        kind: int,
        *,
        allowed: Iterable[str] = (),
        denied: Iterable[str] = (),
    ) -> None:
        """Replace the overwrite of a role (``kind`` 0; the guild id is @everyone) or a
        member (1) on ``channel``."""
        channel.overwrites = [o for o in channel.overwrites if (o.type, o.id) != (kind, target_id)]
        allow, deny = perms.permission_value(allowed), perms.permission_value(denied)
        if allow or deny:
            channel.overwrites.append(Overwrite(id=target_id, type=kind, allow=allow, deny=deny))

    def dm_channel(self, user: FakeUser) -> FakeChannel:
        """The (created on demand) DM channel between the bot and ``user``."""
        channel = self.dm_channels.get(user.id)
        if channel is None:
            channel = FakeChannel(
                id=self.ids.next(), type=ChannelType.DM, name="", recipients=[user]
            )
            self.dm_channels[user.id] = channel
            self.channels[channel.id] = channel
        return channel

    # ----- lookups ----------------------------------------------------------------------------
    def channel(self, ref: ChannelRef) -> FakeChannel:
        """The channel for an id or object; 404 Unknown Channel if missing."""
        channel_id = ref.id if isinstance(ref, FakeChannel) else int(ref)
        try:
            return self.channels[channel_id]
        except KeyError:
            raise errors.unknown_channel() from None

    def guild_of(self, channel: FakeChannel) -> FakeGuild | None:
        """The guild a channel belongs to (``None`` for DMs)."""
        return None if channel.guild_id is None else self.guilds[channel.guild_id]

    def user(self, user_id: int) -> FakeUser:
        """A known user; 404 Unknown User if missing."""
        try:
            return self.users[user_id]
        except KeyError:
            raise errors.unknown_user() from None

    def threads_of(self, guild: FakeGuild) -> list[FakeChannel]:
        """Active threads in a guild."""
        return [
            c
            for c in self.channels.values()
            if c.guild_id == guild.id and c.is_thread and not c.archived
        ]

    # ----- permissions ------------------------------------------------------------------------
    def base_permissions(self, guild: FakeGuild, user_id: int) -> int:
        """Guild-level permissions of a member (all of them for the owner or administrators)."""
        if guild.bot_removed and user_id == self.bot_user.id:
            return 0  # no longer a member: every request for the guild is Missing Access
        if user_id == guild.owner_id:
            return perms.ALL_PERMISSIONS
        value = guild.roles[guild.id].permissions
        member = guild.members.get(user_id)
        for role_id in member.roles if member else []:
            value |= guild.roles[role_id].permissions
        if value & perms.bit("ADMINISTRATOR"):
            return perms.ALL_PERMISSIONS
        return value

    def permissions_for(self, channel: FakeChannel, user_id: int) -> int:
        """Channel permissions of a user, computed like Discord does."""
        guild = self.guild_of(channel)
        if guild is None:
            return perms.ALL_PERMISSIONS & ~perms.bit("ADMINISTRATOR")
        base = self.base_permissions(guild, user_id)
        if base == perms.ALL_PERMISSIONS:
            return base
        source = channel
        if channel.is_thread and channel.parent_id is not None:
            source = self.channels[channel.parent_id]
        member = guild.members.get(user_id)
        member_roles = set(member.roles) if member else set()
        by_id = {(o.type, o.id): (o.allow, o.deny) for o in source.overwrites}
        value = perms.apply_overwrites(
            base,
            everyone=by_id.get((0, guild.id)),
            roles=[v for (kind, oid), v in by_id.items() if kind == 0 and oid in member_roles],
            member=by_id.get((1, user_id)),
        )
        return perms.apply_implicit(value, in_thread=channel.is_thread)

    def bot_permissions(self, channel: FakeChannel) -> int:
        """The bot's permissions in ``channel``."""
        return self.permissions_for(channel, self.bot_user.id)

    def require(self, channel: FakeChannel, *names: str) -> None:
        """Raise 403 50001 without VIEW_CHANNEL, or 403 50013 if any of ``names`` is missing."""
        value = self.bot_permissions(channel)
        if not perms.has(value, "VIEW_CHANNEL"):
            raise errors.missing_access()
        if any(not perms.has(value, name) for name in names):
            raise errors.missing_permissions()
