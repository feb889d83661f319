"""Gateway intents: which events a session receives and what MESSAGE_CONTENT hides."""

from __future__ import annotations

import copy

from .models import JSON


class Intent:
    """Gateway intent bits."""

    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_PRESENCES = 1 << 8
    GUILD_MESSAGES = 1 << 9
    GUILD_MESSAGE_REACTIONS = 1 << 10
    GUILD_MESSAGE_TYPING = 1 << 11
    DIRECT_MESSAGES = 1 << 12
    DIRECT_MESSAGE_REACTIONS = 1 << 13
    DIRECT_MESSAGE_TYPING = 1 << 14
    MESSAGE_CONTENT = 1 << 15


PRIVILEGED = {
    "GUILD_MEMBERS": Intent.GUILD_MEMBERS,
    "GUILD_PRESENCES": Intent.GUILD_PRESENCES,
    "MESSAGE_CONTENT": Intent.MESSAGE_CONTENT,
}

# event -> (intent needed in a guild, intent needed in a DM); None = always delivered
_EVENT_INTENTS: dict[str, tuple[int | None, int | None]] = {
    "MESSAGE_CREATE": (Intent.GUILD_MESSAGES, Intent.DIRECT_MESSAGES),
    "MESSAGE_UPDATE": (Intent.GUILD_MESSAGES, Intent.DIRECT_MESSAGES),
    "MESSAGE_DELETE": (Intent.GUILD_MESSAGES, Intent.DIRECT_MESSAGES),
    "MESSAGE_DELETE_BULK": (Intent.GUILD_MESSAGES, None),
    "MESSAGE_REACTION_ADD": (Intent.GUILD_MESSAGE_REACTIONS, Intent.DIRECT_MESSAGE_REACTIONS),
    "MESSAGE_REACTION_REMOVE": (Intent.GUILD_MESSAGE_REACTIONS, Intent.DIRECT_MESSAGE_REACTIONS),
    "TYPING_START": (Intent.GUILD_MESSAGE_TYPING, Intent.DIRECT_MESSAGE_TYPING),
    "CHANNEL_CREATE": (Intent.GUILDS, None),
    "CHANNEL_UPDATE": (Intent.GUILDS, None),
    "CHANNEL_DELETE": (Intent.GUILDS, None),
    "THREAD_CREATE": (Intent.GUILDS, None),
    "THREAD_UPDATE": (Intent.GUILDS, None),
    "THREAD_DELETE": (Intent.GUILDS, None),
    "GUILD_CREATE": (Intent.GUILDS, None),
    "GUILD_DELETE": (Intent.GUILDS, None),
    # GUILD_MEMBERS is privileged (topics/gateway#list-of-intents): without it a bot hears
    # of no member joining, changing roles or leaving, and must ask (Get Guild Member).
    "GUILD_MEMBER_ADD": (Intent.GUILD_MEMBERS, None),
    "GUILD_MEMBER_UPDATE": (Intent.GUILD_MEMBERS, None),
    "GUILD_MEMBER_REMOVE": (Intent.GUILD_MEMBERS, None),
}

_CONTENT_FIELDS = ("content", "embeds", "attachments", "components")


def wants(intents: int, event: str, guild_id: int | None) -> bool:
    """Whether a session identified with ``intents`` receives ``event``."""
    guild_intent, dm_intent = _EVENT_INTENTS.get(event, (None, None))
    needed = guild_intent if guild_id is not None else dm_intent
    return needed is None or bool(intents & needed)


def privileged_missing(intents: int, granted: set[str]) -> list[str]:
    """Privileged intents requested in IDENTIFY but not enabled for the application."""
    return [name for name, value in PRIVILEGED.items() if intents & value and name not in granted]


def hide_content(event: str, data: JSON, *, intents: int, bot_id: int) -> JSON:
    """Discord's MESSAGE_CONTENT rule: guild messages arrive without content and files.

    Exempt: DMs, the bot's own messages and messages that mention the bot.
    """
    if event not in ("MESSAGE_CREATE", "MESSAGE_UPDATE") or intents & Intent.MESSAGE_CONTENT:
        return data
    if data.get("guild_id") is None or data.get("author", {}).get("id") == str(bot_id):
        return data
    if any(m.get("id") == str(bot_id) for m in data.get("mentions", [])):
        return data
    stripped = _without_content(data)
    if "message_snapshots" in stripped:  # a forward's copy is content too
        stripped["message_snapshots"] = [
            {"message": _without_content(snapshot["message"])}
            for snapshot in stripped["message_snapshots"]
        ]
    return stripped


def _without_content(data: JSON) -> JSON:
    stripped = copy.copy(data)
    for key in _CONTENT_FIELDS:
        if key in stripped:
            stripped[key] = "" if key == "content" else []
    stripped.pop("poll", None)
    return stripped
