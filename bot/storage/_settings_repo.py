"""Server settings, per-channel automatic modes and user opt-outs."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import fields
from enum import StrEnum
from math import inf
from typing import Any

from sqlalchemy import delete, select, update

from bot.errors import InvalidOptions
from bot.model import Severity
from bot.options import MAX_CONTEXT_CHARS, Engine, OutputMode, check_language
from bot.storage._base import RepoBase, dump_json, fetch_one, load_json
from bot.storage._schema import channel_settings, guild_settings, opt_outs
from bot.storage._types import AutoMode, GuildSettings, ReplyStyle, ReviewCards

SETTING_NAMES = frozenset(f.name for f in fields(GuildSettings)) - {"guild_id"}


def _choice(enum: type[StrEnum], name: str) -> Callable[[Any], StrEnum]:
    def coerce(value: Any) -> StrEnum:
        """The enum member for ``value``, or InvalidOptions listing the choices."""
        try:
            return enum(value)
        except ValueError:
            allowed = ", ".join(member.value for member in enum)
            raise InvalidOptions(f"{name} must be one of: {allowed}.") from None

    return coerce


def _language(value: Any) -> str:
    checked = check_language(value, "translate_to") if isinstance(value, str) else None
    if checked is None:
        raise InvalidOptions("translate_to should be a language name such as English.")
    return checked


def _duration(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < inf:
        raise InvalidOptions("max_duration_s must be a positive number of seconds, or unset.")
    return float(value)


def _flag(name: str) -> Callable[[Any], bool]:
    def coerce(value: Any) -> bool:
        """``value`` when it is a bool, else InvalidOptions naming the setting."""
        if not isinstance(value, bool):
            raise InvalidOptions(f"{name} must be true or false.")
        return value

    return coerce


def _optional_engine(value: Any) -> Engine | None:
    return None if value is None else Engine(_choice(Engine, "transcribe_engine")(value))


def server_context(value: Any) -> str | None:
    """One short paragraph (whitespace folded, at most :data:`MAX_CONTEXT_CHARS`), or None
    (also for blank text) to clear it."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidOptions("The server context must be text.")
    folded = " ".join(value.split())
    if len(folded) > MAX_CONTEXT_CHARS:
        raise InvalidOptions(
            f"The server context is one short paragraph: at most {MAX_CONTEXT_CHARS} "
            f"characters (this is {len(folded)})."
        )
    return folded or None


def _snowflake(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidOptions(f"{name} must be a Discord id.")
    return value


def _optional_id(name: str) -> Callable[[Any], int | None]:
    def coerce(value: Any) -> int | None:
        """None, or a Discord id (InvalidOptions otherwise)."""
        return None if value is None else _snowflake(value, name)

    return coerce


def _role_ids(value: Any) -> tuple[int, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidOptions("exempt_role_ids must be a list of role ids.")
    ids = (_snowflake(item, "exempt_role_ids") for item in value)
    return tuple(dict.fromkeys(ids))


_COERCE: dict[str, Callable[[Any], Any]] = {
    "auto_mode": _choice(AutoMode, "auto_mode"),
    "output_mode": _choice(OutputMode, "output_mode"),
    "translate_to": _language,
    "reply_style": _choice(ReplyStyle, "reply_style"),
    "max_duration_s": _duration,
    "quiet": _flag("quiet"),
    "review_channel_id": _optional_id("review_channel_id"),
    "exempt_role_ids": _role_ids,
    "review_role_id": _optional_id("review_role_id"),
    "review_cards": _choice(ReviewCards, "review_cards"),
    "review_min_severity": _choice(Severity, "review_min_severity"),
    "links_enabled": _flag("links_enabled"),
    "transcribe_engine": _optional_engine,
    "word_timestamps": _flag("word_timestamps"),
    "server_context": server_context,
}
assert set(_COERCE) == SETTING_NAMES, "every GuildSettings field needs a validator"


def validate_setting_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """Checked and normalized setting values. Unknown names are a programming error
    (``TypeError``); bad values are the user's to fix (:class:`InvalidOptions`)."""
    unknown = sorted(set(changes) - SETTING_NAMES)
    if unknown:
        raise TypeError(f"unknown guild setting(s): {', '.join(unknown)}")
    return {name: _COERCE[name](value) for name, value in changes.items()}


def _to_columns(settings: GuildSettings) -> dict[str, Any]:
    values = {f.name: getattr(settings, f.name) for f in fields(GuildSettings)}
    values = {k: v.value if isinstance(v, StrEnum) else v for k, v in values.items()}
    values["exempt_role_ids"] = dump_json(list(settings.exempt_role_ids))
    return values


def _from_row(row: Any) -> GuildSettings:
    return GuildSettings(
        guild_id=row.guild_id,
        auto_mode=AutoMode(row.auto_mode),
        output_mode=OutputMode(row.output_mode),
        translate_to=row.translate_to,
        reply_style=ReplyStyle(row.reply_style),
        max_duration_s=row.max_duration_s,
        quiet=bool(row.quiet),
        review_channel_id=row.review_channel_id,
        exempt_role_ids=tuple(int(i) for i in load_json(row.exempt_role_ids)),
        review_role_id=row.review_role_id,
        review_cards=ReviewCards(row.review_cards),
        review_min_severity=Severity(row.review_min_severity),
        links_enabled=bool(row.links_enabled),
        transcribe_engine=Engine(row.transcribe_engine) if row.transcribe_engine else None,
        word_timestamps=bool(row.word_timestamps),
        server_context=row.server_context,
    )


class SettingsRepo(RepoBase):
    """Server and channel settings, and opt-outs."""

    async def guild_settings(self, guild_id: int) -> GuildSettings:
        """A server's settings; the defaults when it never changed any."""
        async with self._read() as conn:
            row = await fetch_one(
                conn, select(guild_settings).where(guild_settings.c.guild_id == guild_id)
            )
        return GuildSettings(guild_id=guild_id) if row is None else _from_row(row)

    async def update_guild_settings(self, guild_id: int, **changes: Any) -> GuildSettings:
        """Change some settings of a server and return all of them.

        Only the named columns are written (one atomic upsert), so two admins changing
        different settings at the same moment never undo each other.
        """
        clean = validate_setting_changes(changes)
        if not clean:
            return await self.guild_settings(guild_id)
        initial = _to_columns(GuildSettings(guild_id=guild_id, **clean))
        stmt = self._insert(guild_settings).values(**initial, updated_at=self._now())
        updates = {name: stmt.excluded[name] for name in [*clean, "updated_at"]}
        stmt = stmt.on_conflict_do_update(index_elements=["guild_id"], set_=updates)
        async with self._write() as conn:
            row = await fetch_one(conn, stmt.returning(*guild_settings.c))
        return _from_row(row)

    async def set_exempt_role(self, guild_id: int, role_id: int, *, exempt: bool) -> GuildSettings:
        """Add one role to the server's quota-exempt roles, or take it out, and return all
        the settings. The list is read and written in one transaction with the row locked
        (made first if the server has none), so two admins changing different roles at the
        same moment both count."""
        (role,) = validate_setting_changes({"exempt_role_ids": [role_id]})["exempt_role_ids"]
        now = self._now()
        defaults = _to_columns(GuildSettings(guild_id=guild_id))
        create = self._insert(guild_settings).values(**defaults, updated_at=now)
        this_server = guild_settings.c.guild_id == guild_id
        async with self._write() as conn:
            await conn.execute(create.on_conflict_do_nothing(index_elements=["guild_id"]))
            locked = select(guild_settings.c.exempt_role_ids).where(this_server).with_for_update()
            current = load_json((await conn.execute(locked)).scalar_one())
            roles = [r for r in current if r != role] + ([role] if exempt else [])
            change = update(guild_settings).where(this_server)
            change = change.values(exempt_role_ids=dump_json(roles), updated_at=now)
            row = await fetch_one(conn, change.returning(*guild_settings.c))
        return _from_row(row)

    async def channel_auto_mode(self, channel_id: int) -> AutoMode | None:
        """The channel's own automatic mode, or None when it follows the server's."""
        async with self._read() as conn:
            row = await fetch_one(
                conn,
                select(channel_settings.c.auto_mode).where(
                    channel_settings.c.channel_id == channel_id
                ),
            )
        return None if row is None else AutoMode(row.auto_mode)

    async def set_channel_auto_mode(
        self, guild_id: int, channel_id: int, mode: AutoMode | None
    ) -> None:
        """Override the server's automatic mode in one channel (None: follow the server)."""
        async with self._write() as conn:
            if mode is None:
                await conn.execute(
                    delete(channel_settings).where(channel_settings.c.channel_id == channel_id)
                )
                return
            mode = AutoMode(mode)
            values = {"guild_id": guild_id, "auto_mode": mode.value, "updated_at": self._now()}
            stmt = self._insert(channel_settings).values(channel_id=channel_id, **values)
            await conn.execute(
                stmt.on_conflict_do_update(index_elements=["channel_id"], set_=values)
            )

    async def set_opt_out(self, user_id: int, opted_out: bool) -> None:
        """Record (or withdraw) a user's wish that the bot never process their audio."""
        async with self._write() as conn:
            if not opted_out:
                await conn.execute(delete(opt_outs).where(opt_outs.c.user_id == user_id))
                return
            stmt = self._insert(opt_outs).values(user_id=user_id, created_at=self._now())
            await conn.execute(stmt.on_conflict_do_nothing(index_elements=["user_id"]))

    async def is_opted_out(self, user_id: int) -> bool:
        """True when the user asked the bot to leave their audio alone."""
        async with self._read() as conn:
            row = await fetch_one(
                conn, select(opt_outs.c.user_id).where(opt_outs.c.user_id == user_id)
            )
        return row is not None
