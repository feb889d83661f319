"""Server rules and cost control: limits, daily audio quotas and usage reports.

:class:`Policy` is the job runner's :class:`bot.jobs.JobPolicy`. Every rule is looked up
where it is applied, for every job whatever its entry point: before any work an automatic
job whose author opted out meanwhile is dropped (:class:`bot.jobs.Consent`); the server's
own maximum duration lowers the configured one; and once a job's real duration is known
(after the result cache was checked, never for digital silence) the Gemini spend is refused
when the requester or the server has used up the day's audio allowance. Days are UTC days;
the clock is injectable so tests can move to the next day.

Quota exemption is decided where the member's roles are known (the Discord layer) and
travels in the job's spec (``quota_exempt``). An exempt member skips the per-user allowance
but still draws on (and is limited by) the server's: server admins grant exemptions, the
bot's operator sets the server ceiling.

Quotas are soft by up to the jobs running at once: usage is recorded when a job finishes, so
jobs admitted together each see the usage from before any of them. A video link's real cost
is only known once Gemini answers (see :func:`bot.pipeline.quota_seconds`): it is admitted
on its bound's estimate and counted in full afterwards.

How a job's audio is heard (:meth:`Policy.hearing_for`) is the server's too: its engine, its
vocabulary and context, word timestamps; automatic jobs may be queued on the flex tier
(``GEMINI_SERVICE_TIER_QUEUED``), anything a person is waiting on uses standard.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

from bot.audio import AudioLimits
from bot.errors import OptedOut, QuotaExceeded
from bot.jobs._consent import OPTED_OUT_MESSAGE, Consent
from bot.metrics import Metrics, QuotaScope
from bot.model import Usage
from bot.options import Engine, Hearing, Origin, ServiceTier
from bot.settings import Settings
from bot.storage import Clock, GuildSettings, Job, UsageTotals, utc_now
from bot.storage.ports import SettingsReader, UsageLedger, Vocabulary
from bot.timecodes import format_duration

REPORT_DAYS = 30


def is_quota_exempt(role_ids: Iterable[int], settings: GuildSettings | None) -> bool:
    """True when any of ``role_ids`` is one of the server's quota-exempt roles."""
    if settings is None or not settings.exempt_role_ids:
        return False
    return not set(settings.exempt_role_ids).isdisjoint(role_ids)


@dataclass(frozen=True)
class QuotaLimits:
    """Daily audio allowances in minutes; 0 means unlimited."""

    user_minutes: float = 60.0
    guild_minutes: float = 600.0

    @classmethod
    def from_settings(cls, settings: Settings) -> QuotaLimits:
        """The limits configured by the bot's operator."""
        return cls(settings.quota_user_minutes_per_day, settings.quota_guild_minutes_per_day)


@dataclass(frozen=True)
class Prices:
    """Gemini prices, in dollars per million tokens, for cost estimates.

    Gemini bills thinking at the output price (its pricing page: "output price, including
    thinking tokens") and input served from its cache at a lower cached-input price; the
    cached tokens are part of the input count, so they are billed once, at that price.
    """

    input_per_million: float
    output_per_million: float
    cached_input_per_million: float = 0.0
    flex_factor: float = 1.0  # the flex tier's price as a share of standard (about half)

    @classmethod
    def from_settings(cls, settings: Settings) -> Prices:
        """The prices configured by the bot's operator."""
        return cls(
            settings.price_input_per_million_tokens,
            settings.price_output_per_million_tokens,
            settings.price_cached_input_per_million_tokens,
            settings.price_flex_factor,
        )

    def _standard(self, totals: UsageTotals) -> float:
        cached = min(totals.tokens_cached, totals.tokens_in)
        spent = (totals.tokens_in - cached) * self.input_per_million
        spent += cached * self.cached_input_per_million
        spent += (totals.tokens_out + totals.tokens_thought) * self.output_per_million
        return spent / 1_000_000

    def cost(self, totals: UsageTotals) -> float:
        """The estimated cost of ``totals`` in dollars, its flex-served share at the flex
        price."""
        flex = self._standard(totals.flex) if totals.flex is not None else 0.0
        return self._standard(totals) - flex * (1 - self.flex_factor)

    def cost_of(self, usage: Usage) -> float:
        """The estimated cost of one result's usage."""
        return self.cost(totals_of(usage))


def totals_of(usage: Usage) -> UsageTotals:
    """A result's usage as usage totals (no audio seconds: those are the runner's)."""
    flex = usage.flex
    return UsageTotals(
        requests=usage.requests,
        tokens_in=usage.input_tokens,
        tokens_out=usage.output_tokens,
        tokens_thought=usage.thought_tokens,
        tokens_cached=usage.cached_tokens,
        flex=UsageTotals(
            requests=flex.requests,
            tokens_in=flex.input_tokens,
            tokens_out=flex.output_tokens,
            tokens_thought=flex.thought_tokens,
            tokens_cached=flex.cached_tokens,
        )
        if flex.requests
        else None,
    )


@dataclass(frozen=True)
class UsageReport:
    """Usage of one user or server today (UTC) and over the last :data:`REPORT_DAYS` days."""

    today: UsageTotals
    recent: UsageTotals


class PolicyStore(SettingsReader, UsageLedger, Vocabulary, Protocol):
    """Server settings, vocabularies and usage totals."""


@dataclass(frozen=True)
class HearingDefaults:
    """The operator's side of how audio is heard: the engine (``TRANSCRIBE_ENGINE``) and
    the tier of queued automatic work (``GEMINI_SERVICE_TIER_QUEUED``)."""

    engine: Engine = Engine.GEMINI
    queued_tier: ServiceTier = ServiceTier.STANDARD

    @classmethod
    def from_settings(cls, settings: Settings) -> HearingDefaults:
        """The defaults configured by the bot's operator."""
        return cls(
            Engine(settings.transcribe_engine), ServiceTier(settings.gemini_service_tier_queued)
        )


class Policy:
    """The rules of :class:`bot.jobs.JobPolicy` (see the module docstring)."""

    def __init__(
        self,
        store: PolicyStore,
        limits: QuotaLimits,
        consent: Consent,
        *,
        clock: Clock = utc_now,
        hearing: HearingDefaults | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self._store = store
        self.limits = limits
        self._consent = consent
        self._clock = clock
        self._hearing = hearing or HearingDefaults()
        self._metrics = metrics or Metrics()

    def today_start(self) -> datetime:
        """Midnight UTC at the start of the current day: where today's usage begins."""
        now = self._clock().astimezone(UTC)
        return now.replace(hour=0, minute=0, second=0, microsecond=0)

    def reset_text(self) -> str:
        """When the allowances reset, e.g. ``00:00 UTC, in 5 h 12 min``."""
        left = (self.today_start() + timedelta(days=1) - self._clock()).total_seconds()
        if left >= 60:
            left = math.ceil(left / 60) * 60  # never "in 0 s" a minute before midnight
        return f"00:00 UTC, in {format_duration(left)}"

    async def check_start(self, job: Job) -> None:
        """Raise OptedOut for an automatic job whose author opted out while it waited, or
        a reaction's on someone else's note (a reaction never overrides an opt-out)."""
        if job.origin is Origin.AUTO and not await self._consent.allows_auto(job.author_id):
            raise OptedOut(OPTED_OUT_MESSAGE)
        others = job.origin is Origin.REACTION and job.author_id not in (None, job.requester_id)
        if others and not await self._consent.allows_auto(job.author_id):
            raise OptedOut(OPTED_OUT_MESSAGE)

    async def limits_for(self, job: Job, limits: AudioLimits) -> AudioLimits:
        """The configured limits, lowered by the server's own maximum duration."""
        if job.guild_id is None:
            return limits
        server_max = (await self._store.guild_settings(job.guild_id)).max_duration_s
        if server_max is not None and 0 < server_max < limits.max_duration_s:
            return replace(limits, max_duration_s=server_max)
        return limits

    async def hearing_for(self, job: Job) -> Hearing:
        """How the job's audio is heard: its server's engine, vocabulary, context and word
        timestamps; flex for automatic work when so configured, standard otherwise."""
        queued = job.origin is Origin.AUTO
        tier = self._hearing.queued_tier if queued else ServiceTier.STANDARD
        if job.guild_id is None:
            return Hearing(engine=self._hearing.engine, tier=tier)
        settings = await self._store.guild_settings(job.guild_id)
        return Hearing(
            engine=settings.transcribe_engine or self._hearing.engine,
            vocabulary=await self._store.vocabulary(job.guild_id),
            context=settings.server_context or "",
            word_timestamps=settings.word_timestamps,
            tier=tier,
        )

    async def admit(self, job: Job, audio_s: float) -> None:
        """Raise QuotaExceeded when ``audio_s`` more seconds would break an allowance."""
        since = self.today_start()
        per_user = not (job.spec.quota_exempt or job.spec.server_pays)
        if self.limits.user_minutes > 0 and per_user:
            used = await self._store.usage_since(since=since, user_id=job.requester_id)
            self._check(used.audio_s, audio_s, self.limits.user_minutes * 60, server=False)
        if self.limits.guild_minutes > 0 and job.guild_id is not None:
            used = await self._store.usage_since(since=since, guild_id=job.guild_id)
            self._check(used.audio_s, audio_s, self.limits.guild_minutes * 60, server=True)

    def _check(self, used_s: float, need_s: float, limit_s: float, *, server: bool) -> None:
        if used_s + need_s <= limit_s:
            return
        self._metrics.quota_refused(QuotaScope.SERVER if server else QuotaScope.USER)
        whose = "this server's" if server else "your"
        allowance = f"{whose} daily audio allowance of {format_duration(limit_s)}"
        if need_s > limit_s:
            raise QuotaExceeded(
                f"This audio is {format_duration(need_s)} long, more than {allowance}."
            )
        if used_s >= limit_s:
            text = f"All of {allowance} is used up ({format_duration(used_s)} today)."
        else:
            left = format_duration(limit_s - used_s)
            text = (
                f"This audio is {format_duration(need_s)} long, but only {left} of {allowance} "
                f"is left ({format_duration(used_s)} used today)."
            )
        raise QuotaExceeded(f"{text} It resets at {self.reset_text()}.")

    async def report(
        self, *, user_id: int | None = None, guild_id: int | None = None
    ) -> UsageReport:
        """Usage of a user (everywhere) or a server, today and over the last 30 days."""
        if (user_id is None) == (guild_id is None):
            raise ValueError("report on exactly one of user_id and guild_id")
        recent_since = self._clock() - timedelta(days=REPORT_DAYS)
        today = await self._store.usage_since(
            since=self.today_start(), user_id=user_id, guild_id=guild_id
        )
        recent = await self._store.usage_since(
            since=recent_since, user_id=user_id, guild_id=guild_id
        )
        return UsageReport(today=today, recent=recent)
