"""The voice-note pipeline: a file in, a validated TranscriptDocument out.

Plain async Python, no Discord: the CLI and the job runner call the same :class:`Pipeline`.
It prepares the audio, looks the result up in the cache (one computation per cache key at a
time in this process), lets the caller refuse the spend once the real duration is known, and
runs the mode's requests (:mod:`._modes`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel

from bot.audio import (
    AudioLimits,
    AudioTools,
    PreparedAudio,
    cut_range,
    job_workspace,
    prepare_audio,
)
from bot.gemini import (
    GeminiAnswer,
    GeminiService,
    GeminiSummary,
    GeminiTranscript,
    schema_fingerprint,
)
from bot.model import Mode, Source, TranscriptDocument, Usage
from bot.options import JobOptions
from bot.pipeline import _modes
from bot.pipeline._modes import Chunking

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Progress:
    """Where a job stands, for status messages (``done`` of ``total`` chunks)."""

    stage: str
    done: int = 0
    total: int = 0


ProgressCallback = Callable[[Progress], Awaitable[None]]
AdmitCallback = Callable[[float], Awaitable[None]]
"""Called with the audio seconds about to be sent to Gemini, after the cache was checked;
raises (e.g. QuotaExceeded) to refuse before anything is spent."""


class ResultCache(Protocol):
    """Where finished documents are kept (:class:`bot.jobs.StoredResultCache` on storage)."""

    async def load(self, key: str) -> TranscriptDocument | None:
        """The complete document cached under ``key``, or None (a partial one never
        counts as a hit: asking again may do better)."""

    async def save(self, key: str, document: TranscriptDocument) -> None:
        """Keep ``document`` under ``key`` (partial ones too: a job refers to its result
        by this key until it is delivered)."""


@dataclass(frozen=True)
class Processed:
    """A finished document, the cache key it is kept under (None without a cache), whether
    it was reused from the cache, and the seconds spent preparing the audio and asking
    Gemini (None for a cache hit; cutting long audio into parts counts as asking)."""

    document: TranscriptDocument
    cache_key: str | None
    reused: bool = False
    prepare_s: float = 0.0
    gemini_s: float | None = None


_SCHEMAS: dict[Mode, type[BaseModel]] = {
    Mode.TRANSCRIPT: GeminiTranscript,
    Mode.SUMMARY: GeminiSummary,
    Mode.ASK: GeminiAnswer,
}


class Pipeline:
    """Prepares audio and asks Gemini. Built once at startup; safe to share between jobs."""

    def __init__(
        self,
        gemini: GeminiService,
        tools: AudioTools,
        limits: AudioLimits,
        *,
        job_root: Path,
        chunk_s: float,
        chunk_concurrency: int,
        cache: ResultCache | None = None,
    ) -> None:
        self.gemini = gemini
        self.tools = tools
        self.limits = limits
        self.job_root = job_root
        self._chunking = Chunking(chunk_s=chunk_s, concurrency=chunk_concurrency)
        self._cache = cache
        self._inflight: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def _single_flight(self, key: str) -> AsyncIterator[None]:
        """One computation per cache key at a time in this process; later callers wait and
        then find the result in the cache."""
        lock, users = self._inflight.get(key, (asyncio.Lock(), 0))
        self._inflight[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._inflight[key]
            if users <= 1:
                del self._inflight[key]
            else:
                self._inflight[key] = (lock, users - 1)

    @asynccontextmanager
    async def workspace(self) -> AsyncIterator[Path]:
        """A private temp dir for one job, always removed afterwards."""
        async with job_workspace(self.job_root) as workdir:
            yield workdir

    def cache_key(self, sha256: str, options: JobOptions) -> str:
        """Same audio bytes + model + schema + options → same result."""
        schema = schema_fingerprint(_SCHEMAS[options.mode])
        return f"{sha256}:{self.gemini.model}:{schema}:{options.fingerprint()}"

    async def process_file(
        self,
        source: Path,
        *,
        file_name: str,
        options: JobOptions,
        progress: ProgressCallback | None = None,
    ) -> TranscriptDocument:
        """Run the whole pipeline on ``source`` in a fresh workspace."""
        async with self.workspace() as workdir:
            processed = await self.process_in(source, workdir, file_name, options, progress)
        return processed.document

    async def process_in(
        self,
        source: Path,
        workdir: Path,
        file_name: str,
        options: JobOptions,
        progress: ProgressCallback | None = None,
        *,
        limits: AudioLimits | None = None,
        admit: AdmitCallback | None = None,
        use_cache: bool = True,
    ) -> Processed:
        """Run the pipeline on ``source`` using an existing job ``workdir``; ``limits``
        overrides the configured ones (a server may set a lower maximum duration), ``admit``
        may refuse the spend once the real duration is known (quotas). ``use_cache=False``
        asks Gemini again whatever is cached, and keeps the new result in its place."""
        started = time.monotonic()
        await _report(progress, Progress("preparing"))
        audio = await prepare_audio(source, workdir, limits or self.limits, self.tools)
        prepared = time.monotonic()
        key = self.cache_key(audio.source_sha256, options)
        async with self._single_flight(key):  # the same note asked twice at once: one request
            cache = self._cache if use_cache else None
            if cache is not None and (cached := await cache.load(key)) is not None:
                log.info("cache hit: duration=%.1fs", audio.duration_s)
                document = reused_as(cached, file_name)
                return Processed(document, key, reused=True, prepare_s=prepared - started)
            if admit is not None and not audio.is_digital_silence:
                await admit(billable_seconds(audio.duration_s, options.start_s, options.end_s))
            asked = time.monotonic()
            document = await self._run(audio, workdir, file_name, options, progress)
            answered = time.monotonic()
            if self._cache is not None:
                await self._cache.save(key, document)
        _log_done(options, audio, document, time.monotonic() - started)
        stored_key = key if self._cache is not None else None
        return Processed(document, stored_key, False, prepared - started, answered - asked)

    async def _run(
        self,
        audio: PreparedAudio,
        workdir: Path,
        file_name: str,
        options: JobOptions,
        progress: ProgressCallback | None,
    ) -> TranscriptDocument:
        document = _empty_document(audio, file_name, options, self.gemini.model)
        if options.has_range:
            start = options.start_s or 0.0
            audio = await cut_range(audio, start, options.end_s, workdir, self.tools)
        if audio.is_digital_silence:
            return _modes.no_speech(document, options)
        if options.mode is Mode.TRANSCRIPT:

            async def on_chunk(done: int, total: int) -> None:
                await _report(progress, Progress("transcribing", done, total))

            return await _modes.transcribe(
                self.gemini, self.tools, document, audio, workdir, options, self._chunking, on_chunk
            )
        await _report(progress, Progress("listening", 0, 1))
        if options.mode is Mode.SUMMARY:
            return await _modes.summarize(self.gemini, document, audio, options)
        return await _modes.answer(self.gemini, document, audio, options)


def _empty_document(
    audio: PreparedAudio, file_name: str, options: JobOptions, model: str
) -> TranscriptDocument:
    source = Source(
        file_name=file_name,
        sha256=audio.source_sha256,
        mime_type=audio.mime_type,
        format=audio.source_format,
        duration_s=round(audio.duration_s, 3),
        range_start_s=options.start_s,
        range_end_s=options.end_s,
    )
    return TranscriptDocument(
        kind=options.mode, model=model, source=source, translate_to=options.translate_to
    )


def _log_done(
    options: JobOptions, audio: PreparedAudio, document: TranscriptDocument, elapsed_s: float
) -> None:
    usage = document.usage
    log.info(
        "job done: mode=%s duration=%.1fs requests=%d tokens_in=%d tokens_out=%d elapsed=%.1fs",
        options.mode,
        audio.duration_s,
        usage.requests,
        usage.input_tokens,
        usage.output_tokens,
        elapsed_s,
    )


def reused_as(cached: TranscriptDocument, file_name: str) -> TranscriptDocument:
    """A stored result as another request's answer: that request's file name, and no Gemini
    usage (nothing was spent this time, so nothing counts towards quotas or cost)."""
    source = cached.source.model_copy(update={"file_name": file_name})
    return cached.model_copy(update={"source": source, "usage": Usage()})


def billable_seconds(duration_s: float, start_s: float | None, end_s: float | None) -> float:
    """The seconds Gemini hears: the requested range clamped to the audio, else the whole."""
    start = min(start_s or 0.0, duration_s)
    end = min(end_s if end_s is not None else duration_s, duration_s)
    return max(0.0, end - start)


async def _report(progress: ProgressCallback | None, value: Progress) -> None:
    if progress is not None:
        await progress(value)
