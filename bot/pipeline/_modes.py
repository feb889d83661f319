"""What each mode asks of Gemini and how the reply fills the document.

A transcript is chunked at silences and transcribed in parallel (:mod:`._chunked`), its
speakers reconciled across chunks and its summary merged. A summary or an answer is short,
so the whole file goes in one request (Gemini takes up to 9.5 h of input); only the output
needs guarding against a cut.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from bot.audio import AudioChunk, AudioTools, ChunkStream, PreparedAudio, stream_at_silences
from bot.errors import GeminiBadOutput, TruncatedOutput, VoiceNoteError, charge
from bot.gemini import (
    AudioInput,
    GeminiAnswer,
    GeminiService,
    GeminiSummary,
    PromptOptions,
    ask_prompt,
    merge_summary_prompt,
    summary_prompt,
)
from bot.model import Mode, TranscriptDocument, Usage
from bot.options import JobOptions
from bot.pipeline._chunked import ChunkProgress, ChunkResult, ChunkTranscriber
from bot.pipeline._repair import repair_evidence, repair_flags
from bot.pipeline._salvage import salvage_or_raise
from bot.pipeline._speakers import reconcile_speakers, stitched_segments

NO_SPEECH_SUMMARY = "No speech heard: the audio is silent."
M = TypeVar("M", GeminiSummary, GeminiAnswer)


@dataclass(frozen=True)
class Chunking:
    """How long audio is cut up for transcripts."""

    chunk_s: float
    concurrency: int


def prompt_options(options: JobOptions) -> PromptOptions:
    """The part of the options that changes what is asked."""
    return PromptOptions(
        translate_to=options.translate_to,
        language_hint=options.language,
        question=options.question,
    )


async def transcribe(
    gemini: GeminiService,
    tools: AudioTools,
    document: TranscriptDocument,
    audio: PreparedAudio,
    workdir: Path,
    options: JobOptions,
    chunking: Chunking,
    on_chunk: ChunkProgress,
) -> TranscriptDocument:
    """A full transcript: chunks in parallel, speakers reconciled, one summary."""
    offset = options.start_s or 0.0
    chunks = await cut_chunks(audio, workdir, tools, offset, chunking.chunk_s)
    transcriber = ChunkTranscriber(
        gemini,
        tools,
        workdir=workdir,
        prompt_options=prompt_options(options),
        concurrency=chunking.concurrency,
    )
    await on_chunk(0, chunks.count)
    results = await transcriber.transcribe_all(chunks, on_chunk)
    usage = sum((r.usage for r in results), Usage())
    try:
        usage = usage + await reconcile_speakers(gemini, results)
        summary, summary_usage = await overall_summary(gemini, results, options)
    except VoiceNoteError as error:
        charge(error, usage)  # the chunks were paid for
        raise
    return fill_transcript(document, results, summary, usage + summary_usage)


async def cut_chunks(
    audio: PreparedAudio, workdir: Path, tools: AudioTools, offset: float, chunk_s: float
) -> ChunkStream:
    """The chunks of ``audio`` (cut in pauses, each handed over once it is cut), their
    offsets moved by ``offset`` (where ``audio`` starts in the original)."""
    stream = await stream_at_silences(audio, chunk_s, workdir, tools)
    return ChunkStream(stream.count, _moved(stream.chunks, offset))


async def _moved(
    chunks: AsyncGenerator[AudioChunk, None], offset: float
) -> AsyncGenerator[AudioChunk, None]:
    async with aclosing(chunks):
        async for c in chunks:
            yield AudioChunk(c.path, c.mime_type, round(c.offset_s + offset, 3), c.duration_s)


async def overall_summary(
    gemini: GeminiService, results: list[ChunkResult], options: JobOptions
) -> tuple[str, Usage]:
    """One chunk: its own summary. Several: one text-only request over the parts (their
    summaries joined when even a salvaged reply has none)."""
    summaries = [r.summary for r in results if r.summary]
    if len(summaries) <= 1:
        return (summaries[0] if summaries else ""), Usage()
    prompt = merge_summary_prompt(prompt_options(options), summaries)
    try:
        reply = await gemini.structured(prompt=prompt, response_model=GeminiSummary)
    except TruncatedOutput as cut:
        try:
            return salvage_or_raise(cut, GeminiSummary).summary.strip(), cut.usage
        except GeminiBadOutput:
            return " ".join(summaries), cut.usage
    return reply.value.summary.strip(), reply.usage


def fill_transcript(
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


async def summarize(
    gemini: GeminiService, document: TranscriptDocument, audio: PreparedAudio, options: JobOptions
) -> TranscriptDocument:
    """Summary, key points, action items, emotion and flags, from the whole file."""
    prompt = summary_prompt(prompt_options(options))
    value, usage, partial = await _whole_file_request(gemini, prompt, GeminiSummary, audio)
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


async def answer(
    gemini: GeminiService, document: TranscriptDocument, audio: PreparedAudio, options: JobOptions
) -> TranscriptDocument:
    """An answer to the question, grounded in quotes with absolute times."""
    prompt = ask_prompt(prompt_options(options))
    value, usage, partial = await _whole_file_request(gemini, prompt, GeminiAnswer, audio)
    offset = options.start_s or 0.0
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
    gemini: GeminiService, prompt: str, model: type[M], audio: PreparedAudio
) -> tuple[M, Usage, bool]:
    """One request with the whole file; a cut reply is salvaged and marked partial."""
    audio_input = AudioInput(audio.path, audio.mime_type, audio.size_bytes, audio.duration_s)
    try:
        reply = await gemini.structured(prompt=prompt, response_model=model, audio=audio_input)
    except TruncatedOutput as cut:
        return salvage_or_raise(cut, model), cut.usage, True
    return reply.value, reply.usage, False


def no_speech(document: TranscriptDocument, options: JobOptions) -> TranscriptDocument:
    """The answer for digital silence, without asking Gemini."""
    update: dict[str, object] = {"no_speech": True, "summary": NO_SPEECH_SUMMARY}
    if options.mode is Mode.ASK:
        update |= {"question": options.question, "answer": "The audio is silent."}
    return document.model_copy(update=update)
