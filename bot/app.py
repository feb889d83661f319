"""The composition root, Discord-free half: every core service, built once from settings.

:func:`open_core` opens storage, the pipeline (Gemini, ffmpeg, the result cache), the
policy and an HTTP session, and always closes them; :func:`build_runner` wires a job
runner to whatever platform implements :class:`bot.jobs.JobPort`. The Discord half
(:mod:`cogs.app`) builds the bot on top; the CLI uses :func:`open_pipeline` alone. Nothing
here is a global: each caller holds what it opened.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp

from bot.audio import (
    AudioLimits,
    DownloadPolicy,
    guarded_session,
    locate_audio_tools,
    sweep_stale_workspaces,
)
from bot.gemini import GeminiService, RateLimiter, RequestLimiter, SpeechService
from bot.jobs import (
    Consent,
    HearingDefaults,
    JobPort,
    JobRunner,
    Policy,
    Prices,
    QuotaLimits,
    RunnerConfig,
    SharedRateLimiter,
    StoredResultCache,
    Translations,
    gemini_bucket,
)
from bot.metrics import Metrics
from bot.pipeline import Pipeline, ResultCache, Translator
from bot.settings import Settings
from bot.storage import Clock, ShardSet, Storage, utc_now

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Core:
    """Every service the bot needs, opened by :func:`open_core`."""

    settings: Settings
    clock: Clock
    storage: Storage
    pipeline: Pipeline
    consent: Consent
    policy: Policy
    prices: Prices
    http: aiohttp.ClientSession  # guarded: connects only to DOWNLOAD_HOSTS' checked addresses
    downloads: DownloadPolicy
    translations: Translations
    metrics: Metrics


def build_pipeline(
    settings: Settings,
    *,
    cache: ResultCache | None = None,
    clock: Clock = utc_now,
    limiter: RequestLimiter | None = None,
    metrics: Metrics | None = None,
) -> Pipeline:
    """The Gemini client, rate limiter (this process's own unless given), audio tools and
    pipeline, wired together."""
    limiter = limiter or RateLimiter(settings.gemini_requests_per_minute)
    gemini = GeminiService.from_settings(settings, limiter, clock=clock, metrics=metrics)
    return Pipeline(
        gemini,
        locate_audio_tools(),
        AudioLimits.from_settings(settings),
        job_root=settings.job_root,
        chunk_s=settings.chunk_seconds,
        chunk_concurrency=settings.chunk_concurrency,
        cache=cache,
        speech=SpeechService.alongside(gemini, settings.gemini_transcribe_model),
        video_max_s=settings.video_max_seconds,
    )


@asynccontextmanager
async def open_pipeline(
    settings: Settings,
    *,
    cache: ResultCache | None = None,
    clock: Clock = utc_now,
    limiter: RequestLimiter | None = None,
    metrics: Metrics | None = None,
) -> AsyncIterator[Pipeline]:
    """:func:`build_pipeline`, with Gemini's connections closed at the end."""
    pipeline = build_pipeline(settings, cache=cache, clock=clock, limiter=limiter, metrics=metrics)
    try:
        yield pipeline
    finally:
        await pipeline.gemini.close()


def build_policy(
    settings: Settings, storage: Storage, consent: Consent, *, clock: Clock, metrics: Metrics
) -> Policy:
    """The server rules: quotas, consent, and how each server's notes are heard."""
    return Policy(
        storage,
        QuotaLimits.from_settings(settings),
        consent,
        clock=clock,
        metrics=metrics,
        hearing=HearingDefaults.from_settings(settings),
    )


@asynccontextmanager
async def open_core(settings: Settings, *, clock: Clock = utc_now) -> AsyncIterator[Core]:
    """Storage, metrics, pipeline, policy and HTTP session, opened once and always closed;
    ``clock`` is "now" for storage, quotas and delivery alike (tests move it). Gemini's
    request rate limit is shared through storage by every process on the database."""
    storage = await Storage.open(settings.database(), clock=clock, retention_s=settings.retention_s)
    try:
        swept = await asyncio.to_thread(sweep_stale_workspaces, settings.job_root)
        if swept:
            log.info("removed %d stale job dirs left by a previous run", swept)
        metrics = Metrics()
        consent = Consent(storage)
        policy = build_policy(settings, storage, consent, clock=clock, metrics=metrics)
        cache = StoredResultCache(storage, ttl_s=settings.retention_s)
        limiter = SharedRateLimiter(
            storage,
            settings.gemini_requests_per_minute,
            bucket=gemini_bucket(settings.gemini_model),
        )
        downloads = DownloadPolicy.from_settings(settings)
        async with (
            open_pipeline(
                settings, cache=cache, clock=clock, limiter=limiter, metrics=metrics
            ) as pipeline,
            guarded_session(downloads) as http,
        ):
            yield Core(
                settings=settings,
                clock=clock,
                storage=storage,
                pipeline=pipeline,
                consent=consent,
                policy=policy,
                prices=Prices.from_settings(settings),
                http=http,
                downloads=downloads,
                translations=Translations(storage, pipeline, policy, Translator(cache)),
                metrics=metrics,
            )
    finally:
        await storage.close()


def runner_config_from(settings: Settings) -> RunnerConfig:
    """Job runner tuning from settings. Idle workers poll at least twice per lease, so a
    restarted process picks up a crashed one's jobs soon after their leases lapse. A process
    running some of the shards (``SHARD_IDS``) works on its shards' jobs only."""
    lease_s = settings.job_lease_seconds
    shards = None
    if settings.shard_ids and settings.shard_count is not None:
        shards = ShardSet(settings.shard_ids, settings.shard_count)
    return RunnerConfig(
        concurrency=settings.job_concurrency,
        lease_s=lease_s,
        retry_delay_s=settings.job_retry_delay_seconds,
        idle_poll_s=min(RunnerConfig.idle_poll_s, lease_s / 2),
        shards=shards,
    )


def build_runner(
    core: Core, port: JobPort, config: RunnerConfig, *, worker_id: str | None = None
) -> JobRunner:
    """A job runner over the core's storage, pipeline and policy, delivering through ``port``."""
    return JobRunner(
        core.storage,
        core.pipeline,
        port,
        core.policy,
        config,
        worker_id=worker_id,
        metrics=core.metrics,
        clock=core.clock,
    )
