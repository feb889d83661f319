"""Builds the pipeline's services from settings, once, for the CLI and the bot alike."""

from __future__ import annotations

from bot.audio import AudioLimits
from bot.ffmpeg import locate_audio_tools
from bot.gemini import GeminiService
from bot.pipeline import Pipeline, ResultCache
from bot.ratelimit import RateLimiter
from bot.settings import Settings


def build_pipeline(settings: Settings, *, cache: ResultCache | None = None) -> Pipeline:
    """The Gemini client, rate limiter, audio tools and pipeline, wired together."""
    limiter = RateLimiter(settings.gemini_requests_per_minute)
    gemini = GeminiService.from_settings(settings, limiter)
    return Pipeline(
        gemini,
        locate_audio_tools(),
        AudioLimits.from_settings(settings),
        job_root=settings.job_root,
        chunk_s=settings.chunk_seconds,
        chunk_concurrency=settings.chunk_concurrency,
        cache=cache,
    )


def secret_values(settings: Settings) -> list[str]:
    """Every configured secret, for the log redaction filter."""
    values = [settings.gemini_api_key, settings.discord_token]
    return [v.get_secret_value() for v in values if v is not None]
