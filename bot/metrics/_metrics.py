"""Every metric the bot counts, declared once, with typed methods that bound their labels.

Names follow Prometheus conventions (``voicenotes_`` prefix, ``_total`` on counters, base
units: seconds). A label value outside its enum raises at once, so no code path can put an
id (user, server, message) into a label and grow the series without bound.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from bot.model import Usage
from bot.options import Origin

PREFIX = "voicenotes"
STAGE_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800)
JOB_BUCKETS = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400)
LAG_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)


class Stage(StrEnum):
    """The stages of a job, timed apart (``gemini`` includes cutting long audio into parts)."""

    DOWNLOAD = "download"
    PREPARE = "prepare"
    GEMINI = "gemini"
    DELIVER = "deliver"


class JobResult(StrEnum):
    """How a job ended: delivered, failed, refused by Gemini's safety filters, or given up
    after its worker died too often."""

    DONE = "done"
    FAILED = "failed"
    REFUSED = "refused"
    GIVEN_UP = "given_up"


class RetryReason(StrEnum):
    """Why a job went back to the queue instead of ending."""

    GEMINI_UNAVAILABLE = "gemini_unavailable"  # overloaded, rate limited, timed out
    GEMINI_PAUSED = "gemini_paused"  # the daily quota is used up
    PLATFORM_BUSY = "platform_busy"  # Discord asked for a long wait


class GeminiOutcome(StrEnum):
    """What one request to Gemini came to (each HTTP attempt counts once)."""

    OK = "ok"
    UNUSABLE = "unusable"  # answered, but empty, failed or not schema-valid JSON
    TRUNCATED = "truncated"  # cut at the output token limit
    REFUSED = "refused"  # a safety refusal
    RATE_LIMITED = "rate_limited"  # 429 rate_limit_exceeded
    QUOTA_EXCEEDED = "quota_exceeded"  # 429 quota_exceeded: the daily quota
    SERVER_ERROR = "server_error"  # 5xx, 408, 409
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    MALFORMED = "malformed"  # an answer the SDK could not read
    REJECTED = "rejected"  # a final 4xx: key, credit, model, request
    ERROR = "error"  # anything else (a bug of ours)


class QuotaScope(StrEnum):
    """Whose daily audio allowance refused a note."""

    USER = "user"
    SERVER = "server"


DISCORD_RATE_LIMIT_SCOPES = ("user", "global", "shared", "unknown")
DISCORD_INVALID_STATUSES = ("401", "403", "429")
TOKEN_KINDS = ("input", "output", "thought", "cached")


class Metrics:
    """The bot's metrics over one :class:`CollectorRegistry` (a fresh one unless given)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self._declare_jobs()
        self._declare_services()
        self._zero_every_series()

    def _counter(self, name: str, doc: str, labels: Iterable[str] = ()) -> Counter:
        return Counter(f"{PREFIX}_{name}", doc, tuple(labels), registry=self.registry)

    def _histogram(
        self, name: str, doc: str, labels: Iterable[str], buckets: tuple[float, ...]
    ) -> Histogram:
        return Histogram(
            f"{PREFIX}_{name}", doc, tuple(labels), buckets=buckets, registry=self.registry
        )

    def gauge(self, name: str, doc: str, labels: Iterable[str] = ()) -> Gauge:
        """A gauge in this registry (``voicenotes_`` + ``name``): for gauges set elsewhere,
        such as the ones :mod:`bot.ops` reads from the database at scrape time."""
        return Gauge(f"{PREFIX}_{name}", doc, tuple(labels), registry=self.registry)

    def _declare_jobs(self) -> None:
        self._jobs = self._counter(
            "jobs", "Jobs ended, by origin and outcome.", ("origin", "outcome")
        )
        self._retries = self._counter("job_retries", "Jobs put back in the queue.", ("reason",))
        self._job_seconds = self._histogram(
            "job_seconds",
            "Submission to delivery of the jobs done, by origin.",
            ("origin",),
            JOB_BUCKETS,
        )
        self._stage_seconds = self._histogram(
            "job_stage_seconds", "Time spent in each stage of a job.", ("stage",), STAGE_BUCKETS
        )
        self._audio = self._counter("audio_seconds", "Audio seconds sent to Gemini and delivered.")
        self._cache_hits = self._counter("cache_hits", "Jobs answered from the result cache.")
        self._quota = self._counter(
            "quota_refusals", "Notes refused by a daily audio allowance.", ("scope",)
        )

    def _declare_services(self) -> None:
        self._gemini = self._counter("gemini_requests", "Gemini requests by outcome.", ("outcome",))
        self._tokens = self._counter("gemini_tokens", "Gemini tokens billed, by kind.", ("kind",))
        self._rate_limits = self._counter(
            "discord_rate_limits", "Discord 429 answers, by X-RateLimit-Scope.", ("scope",)
        )
        self._invalid = self._counter(
            "discord_invalid_responses",
            "Discord answers counted toward its invalid-request ban (401, 403, 429).",
            ("status",),
        )
        self._shards = self.gauge("discord_shards", "Shards this process runs.")
        self._shards_up = self.gauge("discord_shards_connected", "Shards connected now.")
        self._lag = self._histogram(
            "event_loop_lag_seconds", "How late the event loop ran a timer.", (), LAG_BUCKETS
        )

    def _zero_every_series(self) -> None:
        """Create every labelled series at zero, so a rate() works from the first scrape."""
        for origin in Origin:
            self._job_seconds.labels(origin.value)
            for result in JobResult:
                self._jobs.labels(origin.value, result.value)
        for labels, values in (
            (self._retries, RetryReason),
            (self._stage_seconds, Stage),
            (self._quota, QuotaScope),
            (self._gemini, GeminiOutcome),
        ):
            for value in values:
                labels.labels(value.value)
        for counter, names in (
            (self._tokens, TOKEN_KINDS),
            (self._rate_limits, DISCORD_RATE_LIMIT_SCOPES),
            (self._invalid, DISCORD_INVALID_STATUSES),
        ):
            for name in names:
                counter.labels(name)

    def job_finished(self, origin: Origin, result: JobResult, seconds: float | None) -> None:
        """A job ended; ``seconds`` from its submission, for a delivered one."""
        self._jobs.labels(Origin(origin).value, JobResult(result).value).inc()
        if seconds is not None:
            self._job_seconds.labels(Origin(origin).value).observe(max(0.0, seconds))

    def job_retried(self, reason: RetryReason) -> None:
        """A job went back to the queue."""
        self._retries.labels(RetryReason(reason).value).inc()

    def stage(self, stage: Stage, seconds: float) -> None:
        """A job spent ``seconds`` in ``stage``."""
        self._stage_seconds.labels(Stage(stage).value).observe(max(0.0, seconds))

    def audio_processed(self, seconds: float) -> None:
        """Audio Gemini heard for a delivered job (cache hits hear nothing)."""
        self._audio.inc(max(0.0, seconds))

    def cache_hit(self) -> None:
        """A job was answered from the result cache."""
        self._cache_hits.inc()

    def quota_refused(self, scope: QuotaScope) -> None:
        """A daily allowance refused a note."""
        self._quota.labels(QuotaScope(scope).value).inc()

    def gemini_request(self, outcome: GeminiOutcome) -> None:
        """One request to Gemini and what it came to."""
        self._gemini.labels(GeminiOutcome(outcome).value).inc()

    def gemini_tokens(self, usage: Usage) -> None:
        """The tokens one answer billed."""
        counts = (usage.input_tokens, usage.output_tokens, usage.thought_tokens)
        for kind, count in zip(TOKEN_KINDS, (*counts, usage.cached_tokens), strict=True):
            self._tokens.labels(kind).inc(max(0, count))

    def discord_rate_limited(self, scope: str) -> None:
        """Discord answered 429 with this ``X-RateLimit-Scope`` (``unknown`` without one)."""
        self._rate_limits.labels(scope if scope in DISCORD_RATE_LIMIT_SCOPES else "unknown").inc()

    def discord_invalid(self, status: int) -> None:
        """An answer Discord counts toward its ban on invalid requests."""
        if str(status) not in DISCORD_INVALID_STATUSES:
            raise ValueError(f"{status} is not an invalid-request status")
        self._invalid.labels(str(status)).inc()

    def shards(self, *, connected: int, total: int) -> None:
        """How many of this process's shards are connected."""
        self._shards.set(total)
        self._shards_up.set(connected)

    def loop_lag(self, seconds: float) -> None:
        """How late the event loop ran a timer."""
        self._lag.observe(max(0.0, seconds))

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)
