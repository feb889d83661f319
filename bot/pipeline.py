"""The voice-note pipeline: a file in, a validated TranscriptDocument out.

Plain async Python, no Discord: the CLI and the bot call the same :class:`Pipeline`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel

from bot.audio import (
    AudioChunk,
    AudioLimits,
    PreparedAudio,
    cut_range,
    job_workspace,
    prepare_audio,
    split_at_silences,
)
from bot.errors import GeminiBadOutput
from bot.ffmpeg import AudioTools
from bot.gemini import AudioInput, GeminiService, TruncatedOutput
from bot.jobs_options import JobOptions
from bot.model import (
    GeminiAnswer,
    GeminiSummary,
    GeminiTranscript,
    Mode,
    Source,
    TranscriptDocument,
    Usage,
)
from bot.prompts import PromptOptions, ask_prompt, merge_summary_prompt, summary_prompt
from bot.repair import repair_evidence, repair_flags, salvage_truncated_json
from bot.schema import schema_fingerprint
from bot.speakers import reconcile_speakers, stitched_segments
from bot.transcribe import ChunkResult, ChunkTranscriber

log = logging.getLogger(__name__)
NO_SPEECH_SUMMARY = "No speech heard: the audio is silent."


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
    """Where finished documents are kept (the storage layer implements it)."""

    async def load(self, key: str) -> TranscriptDocument | None:
        """The cached document for ``key``, or None."""

    async def save(self, key: str, document: TranscriptDocument) -> None:
        """Keep ``document`` under ``key``."""


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
        self._chunk_s = chunk_s
        self._concurrency = chunk_concurrency
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
            return await self.process_in(source, workdir, file_name, options, progress)

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
    ) -> TranscriptDocument:
        """Run the pipeline on ``source`` using an existing job ``workdir``; ``limits``
        overrides the configured ones (a server may set a lower maximum duration), ``admit``
        may refuse the spend once the real duration is known (quotas)."""
        started = time.monotonic()
        await _report(progress, Progress("preparing"))
        audio = await prepare_audio(source, workdir, limits or self.limits, self.tools)
        key = self.cache_key(audio.source_sha256, options)
        async with self._single_flight(key):  # the same note asked twice at once: one request
            if self._cache is not None and (cached := await self._cache.load(key)) is not None:
                log.info("cache hit: duration=%.1fs", audio.duration_s)
                return _reused(cached, file_name)
            if admit is not None and not audio.is_digital_silence:
                await admit(billable_seconds(audio.duration_s, options.start_s, options.end_s))
            document = await self._run(audio, workdir, file_name, options, progress)
            if self._cache is not None and not document.partial:
                await self._cache.save(key, document)
        log.info(
            "job done: mode=%s duration=%.1fs requests=%d tokens_in=%d tokens_out=%d elapsed=%.1fs",
            options.mode, audio.duration_s, document.usage.requests,
            document.usage.input_tokens, document.usage.output_tokens,
            time.monotonic() - started,
        )  # fmt: skip
        return document

    async def _run(
        self,
        audio: PreparedAudio,
        workdir: Path,
        file_name: str,
        options: JobOptions,
        progress: ProgressCallback | None,
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
        if options.has_range:
            audio = await cut_range(
                audio, options.start_s or 0.0, options.end_s, workdir, self.tools
            )
        document = TranscriptDocument(
            kind=options.mode, model=self.gemini.model, source=source,
            translate_to=options.translate_to,
        )  # fmt: skip
        if audio.is_digital_silence:
            return _no_speech(document, options)
        offset = options.start_s or 0.0
        if options.mode is Mode.TRANSCRIPT:
            return await self._transcript(document, audio, workdir, options, offset, progress)
        await _report(progress, Progress("listening", 0, 1))
        if options.mode is Mode.SUMMARY:
            return await self._summary(document, audio, options)
        return await self._answer(document, audio, options, offset)

    async def _transcript(
        self,
        document: TranscriptDocument,
        audio: PreparedAudio,
        workdir: Path,
        options: JobOptions,
        offset: float,
        progress: ProgressCallback | None,
    ) -> TranscriptDocument:
        chunks = await self._chunks(audio, workdir, offset)
        transcriber = ChunkTranscriber(
            self.gemini, self.tools, workdir=workdir,
            prompt_options=_prompt_options(options), concurrency=self._concurrency,
        )  # fmt: skip

        async def on_chunk(done: int, total: int) -> None:
            await _report(progress, Progress("transcribing", done, total))

        await on_chunk(0, len(chunks))
        results = await transcriber.transcribe_all(chunks, on_chunk)
        usage = sum((r.usage for r in results), Usage())
        usage = usage + await reconcile_speakers(self.gemini, results)
        summary, summary_usage = await self._overall_summary(results, options)
        return _fill_transcript(document, results, summary, usage + summary_usage)

    async def _chunks(self, audio: PreparedAudio, workdir: Path, offset: float) -> list[AudioChunk]:
        if audio.duration_s <= self._chunk_s:
            chunks = [AudioChunk(audio.path, audio.mime_type, 0.0, audio.duration_s)]
        else:
            chunks = await split_at_silences(audio, self._chunk_s, workdir, self.tools)
        return [
            AudioChunk(c.path, c.mime_type, round(c.offset_s + offset, 3), c.duration_s)
            for c in chunks
        ]

    async def _overall_summary(
        self, results: list[ChunkResult], options: JobOptions
    ) -> tuple[str, Usage]:
        """One chunk: its own summary. Several: one text-only request over the parts."""
        summaries = [r.summary for r in results if r.summary]
        if len(summaries) <= 1:
            return (summaries[0] if summaries else ""), Usage()
        prompt = merge_summary_prompt(_prompt_options(options), summaries)
        try:
            reply = await self.gemini.structured(prompt=prompt, response_model=GeminiSummary)
        except TruncatedOutput:
            return " ".join(summaries), Usage()
        return reply.value.summary.strip(), reply.usage

    async def _summary(
        self, document: TranscriptDocument, audio: PreparedAudio, options: JobOptions
    ) -> TranscriptDocument:
        reply, usage, partial = await self._whole_file_request(
            summary_prompt(_prompt_options(options)), GeminiSummary, audio
        )
        value = GeminiSummary.model_validate(reply)
        return document.model_copy(
            update={
                "language": value.language.strip() or "und",
                "summary": value.summary.strip(),
                "key_points": [p.strip() for p in value.key_points if p.strip()],
                "action_items": [a.strip() for a in value.action_items if a.strip()],
                "emotion": value.emotion,
                "flags": repair_flags(value.flags, offset_s=0.0, duration_s=audio.duration_s),
                "usage": usage,
                "partial": partial,
            }
        )

    async def _answer(
        self,
        document: TranscriptDocument,
        audio: PreparedAudio,
        options: JobOptions,
        offset: float,
    ) -> TranscriptDocument:
        reply, usage, partial = await self._whole_file_request(
            ask_prompt(_prompt_options(options)), GeminiAnswer, audio
        )
        value = GeminiAnswer.model_validate(reply)
        evidence = repair_evidence(value.evidence, offset_s=offset, duration_s=audio.duration_s)
        return document.model_copy(
            update={
                "language": value.language.strip() or "und",
                "question": options.question,
                "answer": value.answer.strip(),
                "evidence": evidence,
                "usage": usage,
                "partial": partial,
            }
        )

    async def _whole_file_request(
        self, prompt: str, model: type[GeminiSummary] | type[GeminiAnswer], audio: PreparedAudio
    ) -> tuple[dict[str, object], Usage, bool]:
        """Summaries and answers are short, so the whole file goes in one request (Gemini
        takes up to 9.5 h of input); only the output needs guarding against a cut."""
        audio_input = AudioInput(audio.path, audio.mime_type, audio.size_bytes, audio.duration_s)
        try:
            reply = await self.gemini.structured(
                prompt=prompt, response_model=model, audio=audio_input
            )
        except TruncatedOutput as cut:
            salvaged = _salvage_short(cut.text, model)
            return salvaged, cut.usage, True
        return reply.value.model_dump(), reply.usage, False


def _salvage_short(text: str, model: type[GeminiSummary] | type[GeminiAnswer]) -> dict[str, object]:

    data = salvage_truncated_json(text)
    if data is not None:
        defaults: dict[str, object] = {
            name: [] for name, f in model.model_fields.items() if f.annotation is not str
        }
        try:
            return model.model_validate({**defaults, **data}).model_dump()
        except ValueError:
            pass
    raise GeminiBadOutput("Gemini's answer was cut off before it was usable; please try again.")


def _prompt_options(options: JobOptions) -> PromptOptions:
    return PromptOptions(
        translate_to=options.translate_to, language_hint=options.language,
        question=options.question,
    )  # fmt: skip


def _fill_transcript(
    document: TranscriptDocument, results: list[ChunkResult], summary: str, usage: Usage
) -> TranscriptDocument:
    segments = stitched_segments(results)
    languages = Counter(seg.language for seg in segments if seg.language != "und")
    language = languages.most_common(1)[0][0] if languages else results[0].language
    return document.model_copy(
        update={
            "summary": summary,
            "language": language,
            "segments": segments,
            "flags": sorted((f for r in results for f in r.flags), key=lambda f: f.start),
            "usage": usage,
            "partial": any(r.partial for r in results),
            "warnings": [w for r in results for w in r.warnings],
            "no_speech": not segments,
        }
    )


def _no_speech(document: TranscriptDocument, options: JobOptions) -> TranscriptDocument:
    update: dict[str, object] = {"no_speech": True, "summary": NO_SPEECH_SUMMARY}
    if options.mode is Mode.ASK:
        update |= {"question": options.question, "answer": "The audio is silent."}
    return document.model_copy(update=update)


def _reused(cached: TranscriptDocument, file_name: str) -> TranscriptDocument:
    """A cached result as this request's answer: its own file name, and no Gemini usage
    (nothing was spent this time, so nothing counts towards quotas or cost)."""
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
