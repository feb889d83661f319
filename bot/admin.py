"""Server administration for every surface: the /voicenotes-admin commands and the web
dashboard change settings through this one service, so what an admin types is parsed,
validated (by storage's validators), written and audited the same way wherever they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bot.errors import InvalidOptions
from bot.options import OutputMode
from bot.storage import AutoMode, GuildSettings, ReplyStyle
from bot.storage.ports import AuditLog, SettingsReader, SettingsWriter
from bot.timecodes import parse_user_timecode

INHERIT = "inherit"  # a channel that follows the server's automatic mode
REVIEW_SETTINGS = ("review_channel_id", "review_role_id", "review_cards", "review_min_severity")


def cannot_post_cards(channel: str, missing: Sequence[str]) -> InvalidOptions:
    """The refusal of a review channel where the bot lacks ``missing`` (``channel``: how
    the surface names it)."""
    return InvalidOptions(
        f"I can't post review cards in {channel}: I'm missing {', '.join(missing)} there."
    )


def unpingable_role(role: str, channel: str) -> str:
    """The warning for a moderator role the bot cannot ping in the review channel (Discord
    notifies a role only when it is mentionable or the sender has Mention Everyone)."""
    return (
        f"⚠️ I can't ping {role} in {channel}: the role isn't mentionable and I don't have "
        "Mention Everyone there. Make the role mentionable (Server Settings → Roles → Allow "
        "anyone to @mention this role) or give me Mention Everyone in that channel."
    )


class AdminStore(SettingsReader, SettingsWriter, AuditLog, Protocol):
    """Reading and changing settings, and auditing the changes."""


def parse_max_duration(text: str) -> float:
    """``MM:SS``, ``H:MM:SS`` or seconds, at least one second (InvalidOptions otherwise)."""
    seconds = parse_user_timecode(text, field="max_duration")
    if seconds < 1:
        raise InvalidOptions("The maximum duration must be at least one second.")
    return seconds


DEFAULT_WORDS = frozenset({"default", "none", "off"})


def _max_duration(text: str) -> float | None:
    """A maximum duration, or None (``default``): the bot's own limit applies."""
    return None if text.strip().lower() in DEFAULT_WORDS else parse_max_duration(text)


def _choice(enum: Any, value: str, name: str) -> Any:
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise InvalidOptions(f"{name} must be one of: {allowed}.") from None


_PARSERS: dict[str, tuple[str, Any]] = {
    "auto": ("auto_mode", lambda v: _choice(AutoMode, v, "auto")),
    "output": ("output_mode", lambda v: _choice(OutputMode, v, "output")),
    "translate_to": ("translate_to", str),
    "reply_style": ("reply_style", lambda v: _choice(ReplyStyle, v, "reply_style")),
    "max_duration": ("max_duration_s", _max_duration),
    "quiet": ("quiet", bool),
}
"""What an admin may type (an option, a form field) → the setting and how it is read."""


def parse_changes(raw: Mapping[str, str | bool | None]) -> dict[str, Any]:
    """The settings changes in what an admin entered (None or "" means: unchanged)."""
    changes: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in _PARSERS:
            raise TypeError(f"unknown admin option {name!r}")
        if value is None or value == "":
            continue
        setting, parse = _PARSERS[name]
        changes[setting] = parse(value)
    return changes


@dataclass(frozen=True)
class ServerAdmin:
    """Changes to one server's settings, audited (ids and values only)."""

    store: AdminStore

    async def update(
        self, guild_id: int, actor_id: int, raw: Mapping[str, str | bool | None]
    ) -> GuildSettings:
        """Apply what the admin entered; the settings as they now are. Only real changes
        are written and audited (a form sends every field, changed or not)."""
        before = await self.store.guild_settings(guild_id)
        changes = {
            key: value for key, value in parse_changes(raw).items() if getattr(before, key) != value
        }
        if not changes:
            return before
        current = await self.store.update_guild_settings(guild_id, **changes)
        detail = {key: str(value) for key, value in changes.items()}
        await self.store.audit(guild_id, actor_id, "settings.update", detail)
        return current

    async def update_review(
        self, guild_id: int, actor_id: int, changes: Mapping[str, object]
    ) -> GuildSettings:
        """Review settings (``review_channel_id`` and ``review_role_id``: an id, or None to
        clear; ``review_cards``, ``review_min_severity``: their words), checked by storage's
        validators; only real changes are written and audited. Whether the bot can post in
        the channel is the platform's to check first."""
        unknown = set(changes) - set(REVIEW_SETTINGS)
        if unknown:
            raise TypeError(f"unknown review setting(s): {', '.join(sorted(unknown))}")
        before = await self.store.guild_settings(guild_id)
        real = {key: value for key, value in changes.items() if getattr(before, key) != value}
        if not real:
            return before
        settings = await self.store.update_guild_settings(guild_id, **real)
        channel = real.get("review_channel_id")
        await self.store.audit(
            guild_id,
            actor_id,
            "review.settings",
            {key: None if value is None else str(value) for key, value in real.items()},
            channel_id=channel if isinstance(channel, int) else None,
        )
        return settings

    async def set_channel_mode(
        self, guild_id: int, actor_id: int, channel_id: int, mode: str
    ) -> AutoMode | None:
        """One channel's automatic mode (``inherit``: follow the server's); what it is now."""
        chosen = None if mode == INHERIT else _choice(AutoMode, mode, "auto")
        await self.store.set_channel_auto_mode(guild_id, channel_id, chosen)
        detail = {"channel_id": channel_id, "mode": mode}
        await self.store.audit(
            guild_id, actor_id, "channel.auto_mode", detail, channel_id=channel_id
        )
        return chosen

    async def set_exempt_role(
        self, guild_id: int, actor_id: int, role_id: int, *, exempt: bool
    ) -> GuildSettings:
        """Exempt a role from the daily user quota, or no longer."""
        current = (await self.store.guild_settings(guild_id)).exempt_role_ids
        roles = [r for r in current if r != role_id] + ([role_id] if exempt else [])
        updated = await self.store.update_guild_settings(guild_id, exempt_role_ids=roles)
        detail = {"role_id": role_id, "exempt": exempt}
        await self.store.audit(guild_id, actor_id, "settings.exempt_role", detail)
        return updated
