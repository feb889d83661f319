"""One server's state for its admins (``/voicenotes-admin status``), Discord-free.

Everything is about the asking server only: its notes waiting and running, done and failed
today (UTC), its audio minutes today against its daily allowance; plus what every server
shares: whether Gemini work is paused for the daily quota (and until when), whether the
bot's own request rate limit is full right now, and whether Gemini recently answered
"too many requests" to this process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.gemini import GeminiService
from bot.jobs import SLOT_HOLD_S, Policy, gemini_bucket
from bot.storage import Clock, GuildJobCounts, RateWindow
from bot.storage.ports import GeminiPauses, JobStats, RateSlots

RECENT_RATE_LIMIT_S = 120.0  # a 429 this recent still counts as "rate-limited now"


class StatusStore(JobStats, GeminiPauses, RateSlots, Protocol):
    """Job counts, Gemini pauses and the shared request window."""


@dataclass(frozen=True)
class GuildStatus:
    """What ``/voicenotes-admin status`` shows (see the module docstring)."""

    jobs: GuildJobCounts
    audio_today_s: float
    quota_minutes: float  # 0: unlimited
    resets: str
    paused_until: datetime | None
    rate: RateWindow
    per_minute: int
    rate_limited_at: datetime | None  # Gemini's last 429 to this process, when recent
    now: datetime

    @property
    def rate_full(self) -> bool:
        """Whether the bot's own request limit is used up for the moment."""
        return self.rate.used >= self.per_minute


class GuildStatusReader:
    """Gathers a :class:`GuildStatus`."""

    def __init__(
        self, store: StatusStore, policy: Policy, gemini: GeminiService, *, clock: Clock
    ) -> None:
        self._store = store
        self._policy = policy
        self._gemini = gemini
        self._clock = clock

    async def read(self, guild_id: int) -> GuildStatus:
        """The status of server ``guild_id``."""
        now = self._clock()
        model = self._gemini.model
        recent = self._gemini.rate_limited_at
        if recent is not None and now - recent > timedelta(seconds=RECENT_RATE_LIMIT_S):
            recent = None
        report = await self._policy.report(guild_id=guild_id)
        return GuildStatus(
            jobs=await self._store.guild_job_counts(guild_id, since=self._policy.today_start()),
            audio_today_s=report.today.audio_s,
            quota_minutes=self._policy.limits.guild_minutes,
            resets=self._policy.reset_text(),
            paused_until=await self._store.gemini_paused_until(model),
            rate=await self._store.rate_window(gemini_bucket(model), window_s=SLOT_HOLD_S),
            per_minute=self._gemini.limiter.per_minute,
            rate_limited_at=recent,
            now=now,
        )
