"""Pipelines for tests: the real one, on the fake Gemini and the machine's ffmpeg."""

from __future__ import annotations

from pathlib import Path

from bot.audio import AudioLimits, AudioTools
from bot.gemini import GeminiService, SpeechService
from bot.model import TranscriptDocument
from bot.pipeline import Pipeline, ResultCache

SPEECH_MODEL = "gemini-3.5-transcribe"

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
    video_max_s: float = 900.0,
) -> Pipeline:
    """A pipeline with job dirs under ``tmp_path``, an hour's worth of limits and the
    speech model next to ``gemini``."""
    return Pipeline(
        gemini,
        tools,
        LIMITS,
        job_root=tmp_path / "jobs",
        chunk_s=chunk_s,
        chunk_concurrency=chunk_concurrency,
        cache=cache,
        speech=SpeechService.alongside(gemini, SPEECH_MODEL),
        video_max_s=video_max_s,
    )


class MemoryCache:
    """A result cache in a dict (documents kept as JSON, as storage keeps them)."""

    def __init__(self) -> None:
        self.items: dict[str, str] = {}

    async def load(self, key: str) -> TranscriptDocument | None:
        """The document kept under ``key``, or None."""
        raw = self.items.get(key)
        return TranscriptDocument.model_validate_json(raw) if raw else None

    async def save(self, key: str, document: TranscriptDocument) -> None:
        """Keep ``document`` under ``key``."""
        self.items[key] = document.model_dump_json()
