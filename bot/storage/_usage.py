"""A server's usage broken down by UTC day and by channel, for the dashboard's charts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, cast, desc, func, select

from bot.storage._base import RepoBase
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
    requests, audio_s, *tokens = row
    return UsageTotals(int(requests), float(audio_s), *(int(value) for value in tokens))


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
            select(day, *_sums())
            .where(_u.guild_id == guild_id, _u.created_at >= since)
            .group_by(day)
            .order_by(day)
        )
        async with self._read() as conn:
            rows = (await conn.execute(stmt)).all()
        return [DailyUsage(_as_date(row[0]), _totals(row[1:])) for row in rows]

    async def usage_by_channel(
        self, *, guild_id: int, since: datetime, limit: int = 10
    ) -> list[ChannelUsage]:
        """The channels that used the most audio since ``since``, most first."""
        audio = func.coalesce(func.sum(_u.audio_s), 0.0)
        stmt = (
            select(_u.channel_id, *_sums())
            .where(_u.guild_id == guild_id, _u.created_at >= since)
            .group_by(_u.channel_id)
            .order_by(desc(audio), _u.channel_id)
            .limit(limit)
        )
        async with self._read() as conn:
            rows = (await conn.execute(stmt)).all()
        return [ChannelUsage(row[0], _totals(row[1:])) for row in rows]


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
