"""The voice-note pipeline: a file (or a video link) in, a validated TranscriptDocument out.

Plain async Python, no Discord: the CLI and the job runner call the same :class:`Pipeline`.
It prepares the audio, looks the result up in the cache (one computation per cache key at a
time in this process), lets the caller refuse the spend once the real duration is known, and
runs the mode's requests (:mod:`._modes`), with the speech engine (:mod:`._speech_mode`)
when the job's :class:`bot.options.Hearing` asks for it. Every request of a job goes through
a service scoped to its hearing: the server's prefix first, the job's tier. A video link
(:meth:`Pipeline.process_video`) is fetched by Gemini itself (:mod:`._video_mode`).
"""

from __future__ import annotations

import asyncio
import hashlib
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
    AUDIO_TOKENS_PER_SECOND,
    GeminiAnswer,
    GeminiService,
    GeminiSummary,
    GeminiTranscript,
    SpeechService,
    VideoInput,
    schema_fingerprint,
    server_prefix,
)
from bot.model import Mode, Source, TranscriptDocument, Usage
from bot.options import DEFAULT_HEARING, Engine, Hearing, JobOptions
from bot.pipeline import _modes
from bot.pipeline._modes import Chunking
from bot.pipeline._speech_mode import SpeechTranscriber
from bot.pipeline._video_mode import from_video, video_source

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
        speech: SpeechService | None = None,
        video_max_s: float = 900.0,
    ) -> None:
        self.gemini = gemini
        self.speech = speech
        self.tools = tools
        self.limits = limits
        self.job_root = job_root
        self.video_max_s = video_max_s
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

    def cache_key(
        self, sha256: str, options: JobOptions, hearing: Hearing = DEFAULT_HEARING
    ) -> str:
        """Same audio bytes + model + schema + options + hearing → same result."""
        schema = schema_fingerprint(_SCHEMAS[options.mode])
        hears = hearing.fingerprint()
        return (
            f"{sha256}:{self._model_for(options, hearing)}:{schema}:{options.fingerprint()}:{hears}"
        )

    def _uses_speech(self, options: JobOptions, hearing: Hearing) -> bool:
        engine = hearing.engine is Engine.SPEECH and self.speech is not None
        return engine and options.mode is Mode.TRANSCRIPT

    def _model_for(self, options: JobOptions, hearing: Hearing) -> str:
        if self.speech is not None and self._uses_speech(options, hearing):
            return self.speech.model
        return self.gemini.model

    def scoped(self, hearing: Hearing) -> GeminiService:
        """The general model's service for one job: its server's prefix, its tier."""
        prefix = server_prefix(hearing.vocabulary, hearing.context)
        return self.gemini.scoped(prefix=prefix, tier=hearing.tier)

    async def process_file(
        self,
        source: Path,
        *,
        file_name: str,
        options: JobOptions,
        progress: ProgressCallback | None = None,
        hearing: Hearing = DEFAULT_HEARING,
    ) -> TranscriptDocument:
        """Run the whole pipeline on ``source`` in a fresh workspace."""
        async with self.workspace() as workdir:
            processed = await self.process_in(
                source, workdir, file_name, options, progress, hearing=hearing
            )
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
        hearing: Hearing = DEFAULT_HEARING,
        use_cache: bool = True,
    ) -> Processed:
        """Run the pipeline on ``source`` using an existing job ``workdir``; ``limits``
        overrides the configured ones (a server may set a lower maximum duration), ``admit``
        may refuse the spend once the real duration is known (quotas), ``hearing`` is how
        to listen (engine, the server's vocabulary and context, tier). ``use_cache=False``
        asks Gemini again whatever is cached, and keeps the new result in its place."""
        started = time.monotonic()
        await _report(progress, Progress("preparing"))
        audio = await prepare_audio(source, workdir, limits or self.limits, self.tools)
        prepared = time.monotonic()
        key = self.cache_key(audio.source_sha256, options, hearing)
        async with self._single_flight(key):  # the same note asked twice at once: one request
            cache = self._cache if use_cache else None
            if cache is not None and (cached := await cache.load(key)) is not None:
                log.info("cache hit: duration=%.1fs", audio.duration_s)
                document = reused_as(cached, file_name)
                return Processed(document, key, reused=True, prepare_s=prepared - started)
            if admit is not None and not audio.is_digital_silence:
                await admit(billable_seconds(audio.duration_s, options.start_s, options.end_s))
            asked = time.monotonic()
            document = await self._run(audio, workdir, file_name, options, progress, hearing)
            answered = time.monotonic()
            if self._cache is not None:
                await self._cache.save(key, document)
        _log_done(options, audio.duration_s, document, time.monotonic() - started)
        stored_key = key if self._cache is not None else None
        return Processed(document, stored_key, False, prepared - started, answered - asked)

    async def process_video(
        self,
        url: str,
        options: JobOptions,
        *,
        hearing: Hearing = DEFAULT_HEARING,
        limits: AudioLimits | None = None,
        admit: AdmitCallback | None = None,
        use_cache: bool = True,
    ) -> Processed:
        """A YouTube video Gemini fetches itself (``url`` canonical, see :mod:`bot.links`),
        bounded to ``VIDEO_MAX_SECONDS`` (lowered by the server's maximum duration) from the
        requested start; ``admit`` sees the bound's estimated audio-equivalent seconds;
        ``use_cache`` as for :meth:`process_in`."""
        started = time.monotonic()
        video = self._video_window(url, options, limits or self.limits)
        digest = hashlib.sha256(url.encode()).hexdigest()
        key = f"{self.cache_key(f'youtube:{digest}', options, hearing)}:{video.end_s:g}"
        async with self._single_flight(key):
            cache = self._cache if use_cache else None
            if cache is not None and (cached := await cache.load(key)) is not None:
                return Processed(reused_as(cached, url), key, reused=True)
            if admit is not None:
                await admit(video.estimated_tokens() / AUDIO_TOKENS_PER_SECOND)
            empty = TranscriptDocument(
                kind=options.mode,
                model=self.gemini.model,
                source=video_source(video, video.bound_s),
                translate_to=options.translate_to,
            )
            asked = time.monotonic()
            document = await from_video(self.scoped(hearing), empty, video, options)
            answered = time.monotonic()
            if self._cache is not None:
                await self._cache.save(key, document)
        _log_done(options, document.source.duration_s, document, time.monotonic() - started)
        stored_key = key if self._cache is not None else None
        return Processed(document, stored_key, False, 0.0, answered - asked)

    def _video_window(self, url: str, options: JobOptions, limits: AudioLimits) -> VideoInput:
        start = options.start_s or 0.0
        cap = min(self.video_max_s, limits.max_duration_s)
        end = start + cap if options.end_s is None else min(options.end_s, start + cap)
        return VideoInput(url, start, end)

    async def _run(
        self,
        audio: PreparedAudio,
        workdir: Path,
        file_name: str,
        options: JobOptions,
        progress: ProgressCallback | None,
        hearing: Hearing,
    ) -> TranscriptDocument:
        document = _empty_document(audio, file_name, options, self.gemini.model)
        if options.has_range:
            start = options.start_s or 0.0
            audio = await cut_range(audio, start, options.end_s, workdir, self.tools)
        if audio.is_digital_silence:
            return _modes.no_speech(document, options)
        gemini = self.scoped(hearing)
        if options.mode is Mode.TRANSCRIPT:

            async def on_chunk(done: int, total: int) -> None:
                await _report(progress, Progress("transcribing", done, total))

            if self.speech is not None and self._uses_speech(options, hearing):
                concurrency = self._chunking.concurrency
                speech = SpeechTranscriber(self.speech, gemini, options, hearing, concurrency)
                return await speech.transcribe(self.tools, document, audio, workdir, on_chunk)
            return await _modes.transcribe(
                gemini, self.tools, document, audio, workdir, options, self._chunking, on_chunk
            )
        await _report(progress, Progress("listening", 0, 1))
        if options.mode is Mode.SUMMARY:
            return await _modes.summarize(gemini, document, audio, options)
        return await _modes.answer(gemini, document, audio, options)


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
    options: JobOptions, duration_s: float, document: TranscriptDocument, elapsed_s: float
) -> None:
    usage = document.usage
    log.info(
        "job done: mode=%s duration=%.1fs requests=%d tokens_in=%d tokens_out=%d elapsed=%.1fs",
        options.mode,
        duration_s,
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


def quota_seconds(document: TranscriptDocument) -> float:
    """What a result counts against the daily minute quotas: the seconds of audio Gemini
    heard, or for a video link its media tokens as audio-equivalent seconds (32 tokens a
    second: a minute of quota is 1,920 media tokens, whatever carried them)."""
    source = document.source
    if source.uri is not None:
        return document.usage.audio_equivalent_s()
    return billable_seconds(source.duration_s, source.range_start_s, source.range_end_s)


def billable_seconds(duration_s: float, start_s: float | None, end_s: float | None) -> float:
    """The seconds Gemini hears: the requested range clamped to the audio, else the whole."""
    start = min(start_s or 0.0, duration_s)
    end = min(end_s if end_s is not None else duration_s, duration_s)
    return max(0.0, end - start)


async def _report(progress: ProgressCallback | None, value: Progress) -> None:
    if progress is not None:
        await progress(value)
