"""Discord permission bits and the channel permission algorithm.

Names are Discord's upper-case flag names (``"SEND_MESSAGES"``); lower-case names are accepted
too.  The algorithm follows the developer docs: base permissions from @everyone and the member's
roles, ADMINISTRATOR short-circuits, then channel overwrites (@everyone, roles, member).  Threads
use their parent channel's overwrites.
"""

from __future__ import annotations

from collections.abc import Iterable

PERMISSION_BITS: dict[str, int] = {
    "CREATE_INSTANT_INVITE": 1 << 0,
    "KICK_MEMBERS": 1 << 1,
    "BAN_MEMBERS": 1 << 2,
    "ADMINISTRATOR": 1 << 3,
    "MANAGE_CHANNELS": 1 << 4,
    "MANAGE_GUILD": 1 << 5,
    "ADD_REACTIONS": 1 << 6,
    "VIEW_AUDIT_LOG": 1 << 7,
    "PRIORITY_SPEAKER": 1 << 8,
    "STREAM": 1 << 9,
    "VIEW_CHANNEL": 1 << 10,
    "SEND_MESSAGES": 1 << 11,
    "SEND_TTS_MESSAGES": 1 << 12,
    "MANAGE_MESSAGES": 1 << 13,
    "EMBED_LINKS": 1 << 14,
    "ATTACH_FILES": 1 << 15,
    "READ_MESSAGE_HISTORY": 1 << 16,
    "MENTION_EVERYONE": 1 << 17,
    "USE_EXTERNAL_EMOJIS": 1 << 18,
    "VIEW_GUILD_INSIGHTS": 1 << 19,
    "CONNECT": 1 << 20,
    "SPEAK": 1 << 21,
    "MUTE_MEMBERS": 1 << 22,
    "DEAFEN_MEMBERS": 1 << 23,
    "MOVE_MEMBERS": 1 << 24,
    "USE_VAD": 1 << 25,
    "CHANGE_NICKNAME": 1 << 26,
    "MANAGE_NICKNAMES": 1 << 27,
    "MANAGE_ROLES": 1 << 28,
    "MANAGE_WEBHOOKS": 1 << 29,
    "MANAGE_GUILD_EXPRESSIONS": 1 << 30,
    "USE_APPLICATION_COMMANDS": 1 << 31,
    "REQUEST_TO_SPEAK": 1 << 32,
    "MANAGE_EVENTS": 1 << 33,
    "MANAGE_THREADS": 1 << 34,
    "CREATE_PUBLIC_THREADS": 1 << 35,
    "CREATE_PRIVATE_THREADS": 1 << 36,
    "USE_EXTERNAL_STICKERS": 1 << 37,
    "SEND_MESSAGES_IN_THREADS": 1 << 38,
    "USE_EMBEDDED_ACTIVITIES": 1 << 39,
    "MODERATE_MEMBERS": 1 << 40,
    "VIEW_CREATOR_MONETIZATION_ANALYTICS": 1 << 41,
    "USE_SOUNDBOARD": 1 << 42,
    "CREATE_GUILD_EXPRESSIONS": 1 << 43,
    "CREATE_EVENTS": 1 << 44,
    "USE_EXTERNAL_SOUNDS": 1 << 45,
    "SEND_VOICE_MESSAGES": 1 << 46,
    "SEND_POLLS": 1 << 49,
    "USE_EXTERNAL_APPS": 1 << 50,
}

ALL_PERMISSIONS = sum(PERMISSION_BITS.values())

DEFAULT_EVERYONE_PERMISSIONS = frozenset(
    {
        "CREATE_INSTANT_INVITE",
        "ADD_REACTIONS",
        "STREAM",
        "VIEW_CHANNEL",
        "SEND_MESSAGES",
        "EMBED_LINKS",
        "ATTACH_FILES",
        "READ_MESSAGE_HISTORY",
        "MENTION_EVERYONE",
        "USE_EXTERNAL_EMOJIS",
        "CONNECT",
        "SPEAK",
        "USE_VAD",
        "CHANGE_NICKNAME",
        "USE_APPLICATION_COMMANDS",
        "CREATE_PUBLIC_THREADS",
        "CREATE_PRIVATE_THREADS",
        "USE_EXTERNAL_STICKERS",
        "SEND_MESSAGES_IN_THREADS",
        "SEND_VOICE_MESSAGES",
        "SEND_POLLS",
    }
)

DEFAULT_BOT_PERMISSIONS = frozenset(
    {
        "VIEW_CHANNEL",
        "SEND_MESSAGES",
        "SEND_MESSAGES_IN_THREADS",
        "CREATE_PUBLIC_THREADS",
        "EMBED_LINKS",
        "ATTACH_FILES",
        "READ_MESSAGE_HISTORY",
        "ADD_REACTIONS",
        "USE_EXTERNAL_EMOJIS",
    }
)

# Without SEND_MESSAGES (or SEND_MESSAGES_IN_THREADS in a thread) these are implicitly denied.
_IMPLIED_BY_SENDING = ("MENTION_EVERYONE", "SEND_TTS_MESSAGES", "ATTACH_FILES", "EMBED_LINKS")


def bit(name: str) -> int:
    """The bit of one permission name; raises ``KeyError`` for unknown names."""
    return PERMISSION_BITS[name.upper()]


def permission_value(names: Iterable[str]) -> int:
    """The bit set of several permission names."""
    value = 0
    for name in names:
        value |= bit(name)
    return value


def permission_names(value: int) -> set[str]:
    """The names set in a bit set."""
    return {name for name, flag in PERMISSION_BITS.items() if value & flag}


def has(value: int, name: str) -> bool:
    """Whether ``value`` contains permission ``name``."""
    return bool(value & bit(name))


def apply_overwrites(
    base: int,
    *,
    everyone: tuple[int, int] | None,
    roles: Iterable[tuple[int, int]],
    member: tuple[int, int] | None,
) -> int:
    """Apply (allow, deny) overwrites in Discord's order: @everyone, roles combined, member."""
    perms = base
    if everyone is not None:
        perms = (perms & ~everyone[1]) | everyone[0]
    role_allow = role_deny = 0
    for allow, deny in roles:
        role_allow |= allow
        role_deny |= deny
    perms = (perms & ~role_deny) | role_allow
    if member is not None:
        perms = (perms & ~member[1]) | member[0]
    return perms


def apply_implicit(perms: int, *, in_thread: bool) -> int:
    """Drop permissions that need VIEW_CHANNEL or the right to send messages."""
    if not has(perms, "VIEW_CHANNEL"):
        return 0
    sending = "SEND_MESSAGES_IN_THREADS" if in_thread else "SEND_MESSAGES"
    if not has(perms, sending):
        perms &= ~permission_value(_IMPLIED_BY_SENDING)
    return perms
