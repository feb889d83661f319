"""Transcripts with the speech engine (``TRANSCRIBE_ENGINE=gemini-transcribe``).

The audio is cut at silences into pieces the speech model takes in one request (30 minutes:
diarization is always on), each piece is transcribed by the speech model (words, speakers
and, when the server opted in, word timestamps), then one text-only request on the general
model per piece gives what the speech model does not: the summary, each line's language and
translation, moderation flags and the vocabulary terms it misheard. No audio goes to the
general model, so no emotion is heard: segments carry none (``emotion: null``). Speakers are
reconciled across pieces and the summaries merged, as for the general engine.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.audio import AudioChunk, AudioTools, PreparedAudio
from bot.errors import TruncatedOutput, VoiceNoteError, charge
from bot.gemini import (
    AudioInput,
    GeminiService,
    GeminiTranscriptNotes,
    SpeechRequest,
    SpeechService,
    bcp47,
    notes_prompt,
)
from bot.model import Flag, Segment, TranscriptDocument, Usage
from bot.options import Engine, Hearing, JobOptions
from bot.pipeline._chunked import ChunkProgress, ChunkResult, all_chunks
from bot.pipeline._modes import cut_chunks, fill_transcript, overall_summary, prompt_options
from bot.pipeline._salvage import salvage_or_raise
from bot.pipeline._speakers import reconcile_speakers
from bot.pipeline._words import apply_fixes, segments_from_speech
from bot.timecodes import format_timecode

_MARGIN_S = 30.0  # cut pieces this much under the model's limit (cuts land in pauses)


def speech_request(options: JobOptions, hearing: Hearing) -> SpeechRequest:
    """What the speech model is asked: the server's terms, the language hint as BCP-47."""
    code = bcp47(options.language) if options.language else None
    return SpeechRequest(
        vocabulary=hearing.vocabulary,
        language_codes=(code,) if code else (),
        word_timestamps=hearing.word_timestamps,
    )


class SpeechTranscriber:
    """One job's transcript with the speech engine (see the module docstring)."""

    def __init__(
        self,
        speech: SpeechService,
        gemini: GeminiService,
        options: JobOptions,
        hearing: Hearing,
        concurrency: int,
    ) -> None:
        self._speech = speech
        self._gemini = gemini
        self._options = options
        self._hearing = hearing
        self._request = speech_request(options, hearing)
        self._semaphore = asyncio.Semaphore(concurrency)

    async def transcribe(
        self,
        tools: AudioTools,
        document: TranscriptDocument,
        audio: PreparedAudio,
        workdir: Path,
        on_chunk: ChunkProgress,
    ) -> TranscriptDocument:
        """The whole transcript, every piece done (bounded concurrency) before it returns."""
        offset = self._options.start_s or 0.0
        chunks = await cut_chunks(audio, workdir, tools, offset, self._request.limit_s - _MARGIN_S)
        await on_chunk(0, chunks.count)
        results = await all_chunks(chunks, self._piece, self._semaphore, on_chunk)
        usage = sum((r.usage for r in results), Usage())
        try:
            usage = usage + await reconcile_speakers(self._gemini, results)
            summary, summary_usage = await overall_summary(self._gemini, results, self._options)
        except VoiceNoteError as error:
            charge(error, usage)
            raise
        filled = fill_transcript(document, results, summary, usage + summary_usage)
        timing = "words" if self._hearing.word_timestamps else "estimated"
        return filled.model_copy(
            update={"engine": Engine.SPEECH.value, "model": self._speech.model, "timing": timing}
        )

    async def _piece(self, chunk: AudioChunk) -> list[ChunkResult]:
        size = chunk.path.stat().st_size
        heard = await self._speech.transcribe(
            AudioInput(chunk.path, chunk.mime_type, size, chunk.duration_s), self._request
        )
        segments = segments_from_speech(
            heard,
            offset_s=chunk.offset_s,
            duration_s=chunk.duration_s,
            timed=self._request.word_timestamps,
        )
        result = ChunkResult(offset_s=chunk.offset_s, segments=segments, usage=heard.usage)
        if heard.partial:
            result.partial = True
            result.warnings.append(
                f"The speech model's transcript from {chunk.offset_s:.0f}s was cut short."
            )
        try:
            await self._annotate(result)
        except VoiceNoteError as error:
            charge(error, result.usage)
            raise
        return [result]

    async def _annotate(self, result: ChunkResult) -> None:
        """The general model's notes on the piece's lines, applied in place."""
        if not result.segments:
            return
        lines = "\n".join(
            f"{index}. [{segment.speaker}] {segment.content}"
            for index, segment in enumerate(result.segments, 1)
        )
        prompt = notes_prompt(
            prompt_options(self._options), lines, with_terms=bool(self._hearing.vocabulary)
        )
        try:
            reply = await self._gemini.structured(
                prompt=prompt, response_model=GeminiTranscriptNotes
            )
            notes, usage = reply.value, reply.usage
        except TruncatedOutput as cut:
            notes, usage = salvage_or_raise(cut, GeminiTranscriptNotes), cut.usage
        result.usage = result.usage + usage
        _apply_notes(result, notes, self._hearing.vocabulary)


def _apply_notes(
    result: ChunkResult, notes: GeminiTranscriptNotes, vocabulary: tuple[str, ...]
) -> None:
    by_line = {note.line: note for note in notes.lines}
    fixes = [(fix.heard, fix.term) for fix in notes.fixes]
    segments: list[Segment] = []
    for index, segment in enumerate(result.segments, 1):
        note = by_line.get(index)
        translation = note.translation.strip() if note else ""
        update = {
            "language": (note.language.strip() if note else "") or "und",
            "translation": translation if translation and translation != segment.content else None,
        }
        segments.append(apply_fixes(segment.model_copy(update=update), fixes, vocabulary))
    result.segments = segments
    result.language = notes.language.strip() or "und"
    result.summary = notes.summary.strip()
    result.flags = [
        Flag(
            category=flag.category,
            severity=flag.severity,
            reason=flag.reason.strip(),
            start=segments[flag.line - 1].start,
            timestamp=format_timecode(segments[flag.line - 1].start),
        )
        for flag in notes.flags
        if 1 <= flag.line <= len(segments)
    ]
