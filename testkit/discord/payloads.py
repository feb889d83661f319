"""Turn the fake's objects into the JSON payloads Discord sends (and discord.py parses)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .models import (
    JSON,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    MessageFlag,
    StoredAttachment,
    StoredMessage,
)

UrlFor = Callable[[StoredAttachment], str]


def user_payload(user: FakeUser) -> JSON:
    """A user object (new username system: discriminator ``"0"``)."""
    return {
        "id": str(user.id),
        "username": user.username,
        "global_name": user.global_name,
        "discriminator": "0",
        "avatar": None,
        "bot": user.bot,
        "system": False,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
        "primary_guild": None,
        "collectibles": None,
    }


def client_user_payload(user: FakeUser) -> JSON:
    """``GET /users/@me`` and READY's ``user``."""
    return user_payload(user) | {
        "verified": True,
        "mfa_enabled": False,
        "locale": "en-US",
        "email": None,
    }


def member_payload(member: FakeMember, *, with_user: bool = True) -> JSON:
    """A guild member object (``with_user=False`` for MESSAGE_CREATE's ``member``)."""
    data: JSON = {
        "roles": [str(r) for r in member.roles],
        "joined_at": member.joined_at,
        "nick": member.nick,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "avatar": None,
        "banner": None,
        "premium_since": None,
        "communication_disabled_until": None,
    }
    if with_user:
        data["user"] = user_payload(member.user)
    return data


def role_payload(role: FakeRole) -> JSON:
    """A role object."""
    data: JSON = {
        "id": str(role.id),
        "name": role.name,
        "permissions": str(role.permissions),
        "position": role.position,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "managed": role.managed,
        "mentionable": role.mentionable,
        "icon": None,
        "unicode_emoji": None,
        "flags": 0,
    }
    if role.bot_id is not None:
        data["tags"] = {"bot_id": str(role.bot_id)}
    return data


_FORUM_DEFAULTS: JSON = {
    "available_tags": [],
    "default_reaction_emoji": None,
    "default_sort_order": None,
    "default_forum_layout": 0,
    "default_thread_rate_limit_per_user": 0,
}
_VOICE_DEFAULTS: JSON = {"bitrate": 64000, "user_limit": 0, "rtc_region": None}


def _dm_payload(channel: FakeChannel) -> JSON:
    return {
        "id": str(channel.id),
        "type": 1,
        "flags": 0,
        "name": None,
        "recipients": [user_payload(u) for u in channel.recipients],
        "last_message_id": _opt_id(channel.last_message_id),
    }


def channel_payload(channel: FakeChannel, *, with_guild_id: bool = True) -> JSON:
    """A guild channel, thread or DM channel object."""
    if channel.is_thread:
        return thread_payload(channel)
    if channel.is_dm:
        return _dm_payload(channel)
    data: JSON = {
        "id": str(channel.id),
        "type": int(channel.type),
        "name": channel.name,
        "position": channel.position,
        "parent_id": None,
        "topic": channel.topic,
        "nsfw": channel.nsfw,
        "last_message_id": _opt_id(channel.last_message_id),
        "rate_limit_per_user": 0,
        "default_auto_archive_duration": 1440,
        "flags": 0,
        "permission_overwrites": [
            {"id": str(o.id), "type": o.type, "allow": str(o.allow), "deny": str(o.deny)}
            for o in channel.overwrites
        ],
    }
    if with_guild_id:
        data["guild_id"] = str(channel.guild_id)
    if channel.is_forum:
        data |= _FORUM_DEFAULTS
    if channel.type == 2:
        data |= _VOICE_DEFAULTS
    return data


def thread_payload(thread: FakeChannel, *, member_id: int | None = None) -> JSON:
    """A thread channel object (``member_id`` adds a thread-member entry for that user)."""
    data: JSON = {
        "id": str(thread.id),
        "type": int(thread.type),
        "name": thread.name,
        "guild_id": str(thread.guild_id),
        "parent_id": str(thread.parent_id),
        "owner_id": str(thread.owner_id),
        "last_message_id": _opt_id(thread.last_message_id),
        "message_count": thread.message_count,
        "member_count": len(thread.member_ids),
        "total_message_sent": thread.total_message_sent,
        "rate_limit_per_user": 0,
        "flags": 0,
        "applied_tags": [str(t) for t in thread.applied_tags],
        "thread_metadata": {
            "archived": thread.archived,
            "auto_archive_duration": thread.auto_archive_duration,
            "archive_timestamp": thread.archive_timestamp,
            "locked": thread.locked,
            "invitable": True,
            "create_timestamp": thread.create_timestamp,
        },
    }
    if member_id is not None and member_id in thread.member_ids:
        data["member"] = {
            "id": str(thread.id),
            "user_id": str(member_id),
            "join_timestamp": thread.create_timestamp,
            "flags": 0,
        }
    return data


# The fields of a guild object this fake never varies (Discord's values for a plain guild).
_GUILD_DEFAULTS: JSON = {
    "icon": None,
    "splash": None,
    "discovery_splash": None,
    "banner": None,
    "description": None,
    "afk_channel_id": None,
    "afk_timeout": 300,
    "verification_level": 0,
    "default_message_notifications": 0,
    "explicit_content_filter": 0,
    "mfa_level": 0,
    "nsfw_level": 0,
    "features": [],
    "application_id": None,
    "system_channel_id": None,
    "system_channel_flags": 0,
    "rules_channel_id": None,
    "public_updates_channel_id": None,
    "safety_alerts_channel_id": None,
    "max_members": 500000,
    "vanity_url_code": None,
    "premium_subscription_count": 0,
    "premium_progress_bar_enabled": False,
    "emojis": [],
    "stickers": [],
    "large": False,
    "unavailable": False,
    "voice_states": [],
    "presences": [],
    "stage_instances": [],
    "guild_scheduled_events": [],
    "soundboard_sounds": [],
    "lazy": True,
}


def guild_create_payload(
    guild: FakeGuild, channels: list[FakeChannel], threads: list[FakeChannel], members: list[JSON]
) -> JSON:
    """GUILD_CREATE: the full guild with channels, threads, roles and (some) members."""
    return {
        **_GUILD_DEFAULTS,
        "id": str(guild.id),
        "name": guild.name,
        "owner_id": str(guild.owner_id),
        "premium_tier": guild.premium_tier,
        "preferred_locale": guild.locale,
        "roles": [role_payload(r) for r in guild.roles.values()],
        "joined_at": guild.joined_at,
        "member_count": len(guild.members),
        "members": members,
        "channels": [channel_payload(c, with_guild_id=False) for c in channels],
        "threads": [thread_payload(t) for t in threads],
    }


def attachment_payload(att: StoredAttachment, url_for: UrlFor) -> JSON:
    """An attachment object with a freshly signed CDN URL."""
    url = url_for(att)
    data: JSON = {
        "id": str(att.id),
        "filename": att.filename,
        "size": att.size,
        "url": url,
        "proxy_url": url.replace("/attachments/", "/media/attachments/", 1),
        "content_type": att.content_type,
        "flags": 0,
    }
    if att.description is not None:
        data["description"] = att.description
    if att.ephemeral:
        data["ephemeral"] = True
    if att.duration_secs is not None:
        data["duration_secs"] = att.duration_secs
    if att.waveform is not None:
        data["waveform"] = att.waveform
    return data


def message_payload(
    msg: StoredMessage,
    url_for: UrlFor,
    *,
    users: dict[int, FakeUser],
    me_id: int | None = None,
    member: FakeMember | None = None,
    thread: FakeChannel | None = None,
) -> JSON:
    """A message object. ``member`` (gateway only) adds ``member`` and ``guild_id``."""
    data: JSON = {
        "id": str(msg.id),
        "channel_id": str(msg.channel_id),
        "author": user_payload(msg.author),
        "content": msg.content,
        "timestamp": msg.timestamp,
        "edited_timestamp": msg.edited_timestamp,
        "tts": msg.tts,
        "mention_everyone": msg.mention_everyone,
        "mentions": [user_payload(users[u]) for u in msg.mention_ids if u in users],
        "mention_roles": [str(r) for r in msg.mention_role_ids],
        "attachments": [attachment_payload(a, url_for) for a in msg.attachments],
        "embeds": msg.embeds,
        "components": msg.components,
        "pinned": msg.pinned,
        "type": msg.type,
        "flags": msg.flags | (MessageFlag.HAS_THREAD if msg.thread_id else 0),
    }
    _add_optional(data, msg, me_id)
    if member is not None:
        data["member"] = member_payload(member, with_user=False)
    if member is not None or (msg.guild_id is not None and msg.webhook_id is not None):
        data["guild_id"] = str(msg.guild_id)
    if thread is not None:
        data["thread"] = thread_payload(thread)
    return data


def _add_optional(data: JSON, msg: StoredMessage, me_id: int | None) -> None:
    optional: dict[str, Any] = {
        "nonce": msg.nonce,
        "message_reference": msg.message_reference,
        "webhook_id": _opt_id(msg.webhook_id),
        "application_id": _opt_id(msg.application_id),
        "interaction_metadata": msg.interaction_metadata,
        "position": msg.position,
    }
    data.update({k: v for k, v in optional.items() if v is not None})
    if msg.reactions:
        data["reactions"] = [
            {
                "emoji": emoji_payload(e),
                "count": len(u),
                "me": me_id in u,
                "burst_colors": [],
                "count_details": {"burst": 0, "normal": len(u)},
                "me_burst": False,
            }
            for e, u in msg.reactions.items()
        ]


def emoji_payload(emoji: str) -> JSON:
    """A partial emoji object from ``"✅"`` or ``"name:id"``."""
    if ":" in emoji:
        name, _, emoji_id = emoji.rpartition(":")
        animated = name.startswith("a:")
        return {"id": emoji_id, "name": name.removeprefix("a:"), "animated": animated}
    return {"id": None, "name": emoji}


def _opt_id(value: int | None) -> str | None:
    return None if value is None else str(value)
