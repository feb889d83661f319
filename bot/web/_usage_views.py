"""A server's usage for its admins: the last 30 days by day and by channel, with costs."""

from __future__ import annotations

from datetime import date, timedelta

from aiohttp import web

from bot.storage import UsageTotals
from bot.timecodes import format_duration
from bot.web._charts import Bar, bar_chart
from bot.web._context import Dashboard

DAYS = 30


class UsageViews:
    """``/servers/{guild_id}/usage``."""

    def __init__(self, dashboard: Dashboard) -> None:
        self.d = dashboard

    def routes(self) -> list[web.RouteDef]:
        """The routes these views answer."""
        return [web.get("/servers/{guild_id}/usage", self.usage)]

    async def usage(self, request: web.Request) -> web.Response:
        """Charts of audio minutes and cost per day, the token kinds, top channels, quota."""
        session = await self.d.require_session(request)
        guild_id, rights = await self.d.rights_in(request, session, need="admin")
        today = self.d.clock().date()
        since = self.d.policy.today_start() - timedelta(days=DAYS - 1)
        by_day = {
            d.day: d.totals for d in await self.d.store.usage_by_day(guild_id=guild_id, since=since)
        }
        days = [today - timedelta(days=n) for n in range(DAYS - 1, -1, -1)]
        totals = [by_day.get(day, UsageTotals()) for day in days]
        channels = await self.d.store.usage_by_channel(guild_id=guild_id, since=since)
        names = {c.id: c.name for c in self.d.rights.guild_view(guild_id).channels}
        return self.d.render(
            "usage.html",
            title=f"Usage · {rights.guild_name}",
            session=session,
            guild_id=guild_id,
            rights=rights,
            minutes_chart=bar_chart(
                _bars(days, [t.audio_s / 60 for t in totals]),
                title="Audio minutes per day",
                unit="min",
            ),
            cost_chart=bar_chart(
                _bars(days, [self.d.prices.cost(t) for t in totals]),
                title="Estimated cost per day",
                unit="$",
            ),
            rows=list(zip(days, totals, strict=True))[::-1],
            month=_sum(totals),
            channels=[
                (names.get(c.channel_id or 0, "(unknown or gone)"), c.totals) for c in channels
            ],
            cost=self.d.prices.cost,
            duration=format_duration,
            quota_minutes=self.d.policy.limits.guild_minutes,
            user_quota_minutes=self.d.policy.limits.user_minutes,
        )


def _bars(days: list[date], values: list[float]) -> list[Bar]:
    return [Bar(day.isoformat(), value) for day, value in zip(days, values, strict=True)]


def _sum(totals: list[UsageTotals]) -> UsageTotals:
    """The totals of many days, the flex tier's share kept apart (it is priced apart)."""
    flexes = [t.flex for t in totals if t.flex is not None]
    return UsageTotals(
        flex=_sum(flexes) if flexes else None,
        requests=sum(t.requests for t in totals),
        audio_s=sum(t.audio_s for t in totals),
        tokens_in=sum(t.tokens_in for t in totals),
        tokens_out=sum(t.tokens_out for t in totals),
        tokens_thought=sum(t.tokens_thought for t in totals),
        tokens_cached=sum(t.tokens_cached for t in totals),
    )
