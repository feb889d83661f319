"""Pipelines for tests: the real one, on the fake Gemini and the machine's ffmpeg."""

from __future__ import annotations

from pathlib import Path

from bot.audio import AudioLimits, AudioTools
from bot.gemini import GeminiService
from bot.pipeline import Pipeline, ResultCache

LIMITS = AudioLimits(
    min_duration_s=0.3, max_duration_s=3600, max_bytes=50_000_000, probe_timeout_s=30
)


def make_pipeline(
    gemini: GeminiService,
    tools: AudioTools,
    tmp_path: Path,
    *,
    chunk_s: float = 600,
    chunk_concurrency: int = 1,
    cache: ResultCache | None = None,
) -> Pipeline:
    """A pipeline with job dirs under ``tmp_path`` and an hour's worth of limits."""
    return Pipeline(
        gemini,
        tools,
        LIMITS,
        job_root=tmp_path / "jobs",
        chunk_s=chunk_s,
        chunk_concurrency=chunk_concurrency,
        cache=cache,
    )
