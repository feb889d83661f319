"""Server administration for every surface: the /voicenotes-admin commands and the web
dashboard change settings through this one service, so what an admin types is parsed,
validated (by storage's validators), written and audited the same way wherever they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bot.errors import InvalidOptions
from bot.options import MAX_VOCABULARY_TERMS, Engine, OutputMode
from bot.storage import (
    AutoMode,
    GuildSettings,
    ReplyStyle,
    VocabularyChange,
    clean_term,
    term_key,
)
from bot.storage.ports import AuditLog, SettingsReader, SettingsWriter, Vocabulary
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


class AdminStore(SettingsReader, SettingsWriter, AuditLog, Vocabulary, Protocol):
    """Reading and changing settings and vocabularies, and auditing the changes."""


def split_terms(text: str) -> list[str]:
    """Terms separated by commas, semicolons or lines (a term itself may hold spaces)."""
    return [part for part in text.replace(";", ",").replace("\n", ",").split(",") if part.strip()]


def parse_vocabulary(text: str) -> list[str]:
    """A whole vocabulary as typed, checked like additions are (each term, and how many),
    duplicates (by case) dropped: InvalidOptions before anything is changed."""
    terms = {term_key(t): t for t in (clean_term(part) for part in split_terms(text))}
    if len(terms) > MAX_VOCABULARY_TERMS:
        raise InvalidOptions(
            f"A vocabulary holds at most {MAX_VOCABULARY_TERMS} terms; that is {len(terms)}."
        )
    return list(terms.values())


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


def _engine(text: str) -> Engine | None:
    """An engine, or None (``default``): the bot's own ``TRANSCRIBE_ENGINE`` applies."""
    return None if text.strip().lower() in DEFAULT_WORDS else _choice(Engine, text, "engine")


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
    "links": ("links_enabled", bool),
    "engine": ("transcribe_engine", _engine),
    "word_timestamps": ("word_timestamps", bool),
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
        updated = await self.store.set_exempt_role(guild_id, role_id, exempt=exempt)
        detail = {"role_id": role_id, "exempt": exempt}
        await self.store.audit(guild_id, actor_id, "settings.exempt_role", detail)
        return updated

    async def add_terms(self, guild_id: int, actor_id: int, terms: list[str]) -> VocabularyChange:
        """Add vocabulary terms (storage checks their number and length); audited by count."""
        change = await self.store.add_vocabulary(guild_id, terms)
        detail = {"added": len(change.added), "present": len(change.present)}
        await self.store.audit(guild_id, actor_id, "vocabulary.add", detail)
        return change

    async def remove_term(self, guild_id: int, actor_id: int, term: str) -> bool:
        """Remove one term (any case); whether it was there. Audited."""
        removed = await self.store.remove_vocabulary(guild_id, term)
        await self.store.audit(guild_id, actor_id, "vocabulary.remove", {"removed": removed})
        return removed

    async def set_context(self, guild_id: int, actor_id: int, text: str | None) -> GuildSettings:
        """The server's description for Gemini (None clears it); audited without its words
        when it really changed."""
        before = await self.store.guild_settings(guild_id)
        if (before.server_context or None) == (text or None):
            return before
        current = await self.store.update_guild_settings(guild_id, server_context=text or None)
        await self.store.audit(guild_id, actor_id, "settings.context", {"set": bool(text)})
        return current

    async def replace_vocabulary(self, guild_id: int, actor_id: int, text: str) -> tuple[str, ...]:
        """Make the vocabulary the terms of ``text`` (a form's whole list), checked first;
        audited by counts when it changed. The terms as they now are."""
        wanted = parse_vocabulary(text)
        current = await self.store.vocabulary(guild_id)
        keep = {term_key(t) for t in wanted}
        gone = [t for t in current if term_key(t) not in keep]
        have = {term_key(t) for t in current}
        new = [t for t in wanted if term_key(t) not in have]
        for term in gone:
            await self.store.remove_vocabulary(guild_id, term)
        if new:
            await self.store.add_vocabulary(guild_id, new)
        if gone or new:
            detail = {"added": len(new), "removed": len(gone)}
            await self.store.audit(guild_id, actor_id, "vocabulary.replace", detail)
        return await self.store.vocabulary(guild_id)
