"""A server's usage broken down by UTC day and by channel, for the dashboard's charts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, cast, func, select

from bot.storage._base import RepoBase
from bot.storage._records import combine_tiers
from bot.storage._schema import usage_records
from bot.storage._types import UsageTotals

_u = usage_records.c
_TOKENS = (_u.tokens_in, _u.tokens_out, _u.tokens_thought, _u.tokens_cached)


@dataclass(frozen=True)
class DailyUsage:
    """One UTC day's totals."""

    day: date
    totals: UsageTotals


@dataclass(frozen=True)
class ChannelUsage:
    """One channel's totals (``channel_id`` None: recorded before channels were)."""

    channel_id: int | None
    totals: UsageTotals


def _sums() -> list[Any]:
    count = func.count()
    audio = func.coalesce(func.sum(_u.audio_s), 0.0)
    return [count, audio, *(func.coalesce(func.sum(column), 0) for column in _TOKENS)]


def _totals(row: Any) -> UsageTotals:
    requests, audio_s, tokens_in, tokens_out, thought, cached = row
    return UsageTotals(
        requests=int(requests),
        audio_s=float(audio_s),
        tokens_in=int(tokens_in),
        tokens_out=int(tokens_out),
        tokens_thought=int(thought),
        tokens_cached=int(cached),
    )


def _by_key(rows: list[Any]) -> dict[Any, UsageTotals]:
    """Rows of (key, service tier, sums...) as one total per key, the flex share apart
    (:func:`combine_tiers`, as every other usage total)."""
    tiers: dict[Any, dict[str, UsageTotals]] = {}
    for key, tier, *sums in rows:
        tiers.setdefault(key, {})[str(tier)] = _totals(sums)
    return {key: combine_tiers(parts) for key, parts in tiers.items()}


class UsageRepo(RepoBase):
    """Usage by day and by channel."""

    def _utc_day(self) -> Any:
        """The UTC calendar day of a usage record. The one dialect difference here:
        PostgreSQL stores TIMESTAMPTZ (shifted to UTC first), SQLite naive UTC text."""
        if self.dialect == "postgresql":
            return cast(func.timezone("UTC", _u.created_at), Date)
        return func.date(_u.created_at)

    async def usage_by_day(self, *, guild_id: int, since: datetime) -> list[DailyUsage]:
        """Totals per UTC day at or after ``since``, oldest first (days without usage absent)."""
        day = self._utc_day().label("day")
        stmt = (
            select(day, _u.service_tier, *_sums())
            .where(_u.guild_id == guild_id, _u.created_at >= since)
            .group_by(day, _u.service_tier)
        )
        async with self._read() as conn:
            rows = (await conn.execute(stmt)).all()
        days = _by_key([(_as_date(row[0]), *row[1:]) for row in rows])
        return [DailyUsage(day, totals) for day, totals in sorted(days.items())]

    async def usage_by_channel(
        self, *, guild_id: int, since: datetime, limit: int = 10
    ) -> list[ChannelUsage]:
        """The channels that used the most audio since ``since``, most first."""
        stmt = (
            select(_u.channel_id, _u.service_tier, *_sums())
            .where(_u.guild_id == guild_id, _u.created_at >= since)
            .group_by(_u.channel_id, _u.service_tier)
        )
        async with self._read() as conn:
            rows = (await conn.execute(stmt)).all()
        channels = _by_key(list(rows))
        ranked = sorted(channels.items(), key=lambda item: (-item[1].audio_s, item[0] or 0))
        return [ChannelUsage(channel_id, totals) for channel_id, totals in ranked[:limit]]


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
