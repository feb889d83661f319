"""Long-audio transcription: chunks in parallel, recovery from cut output, stitching.

Gemini's output budget holds roughly 10–15 minutes of dense speech, so long audio is cut at
silences (``bot.audio.stream_at_silences``), each chunk is transcribed as soon as it is cut,
concurrently under a bound, and the pieces are stitched with exact absolute times. A chunk
whose reply is cut at the token limit is split in two and retried; a chunk too short to
split keeps what was complete, marked partial.
When a chunk fails for good the others are cancelled (their answers would be thrown away)
and the error carries what the finished ones cost, so the job still records it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass, field
from pathlib import Path

from bot.audio import AudioChunk, AudioTools, ChunkStream, PreparedAudio, cut_range
from bot.errors import TruncatedOutput, VoiceNoteError, charge
from bot.gemini import AudioInput, GeminiService, GeminiTranscript, PromptOptions, transcript_prompt
from bot.model import Flag, Segment, Usage
from bot.pipeline._repair import has_repetition_loop, repair_flags, repair_segments
from bot.pipeline._salvage import salvage_or_raise

log = logging.getLogger(__name__)

MIN_SPLIT_S = 45.0  # below this a cut reply is salvaged rather than split again
ChunkProgress = Callable[[int, int], Awaitable[None]]


@dataclass
class ChunkResult:
    """One chunk's transcript with absolute times."""

    offset_s: float
    language: str = "und"
    summary: str = ""
    segments: list[Segment] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    warnings: list[str] = field(default_factory=list)
    partial: bool = False


def _as_input(chunk: AudioChunk) -> AudioInput:
    return AudioInput(
        path=chunk.path,
        mime_type=chunk.mime_type,
        size_bytes=chunk.path.stat().st_size,
        duration_s=chunk.duration_s,
    )


async def all_chunks(
    chunks: ChunkStream,
    work: Callable[[AudioChunk], Awaitable[list[ChunkResult]]],
    semaphore: asyncio.Semaphore,
    progress: ChunkProgress | None = None,
) -> list[ChunkResult]:
    """``work`` on every chunk as it is cut, concurrently under ``semaphore``, results in
    offset order. When one fails for good (or cutting does) the others are cancelled (their
    answers would be thrown away) and the error carries what every finished or failed one
    cost."""
    finished: list[ChunkResult] = []
    done = 0

    async def one(chunk: AudioChunk) -> None:
        nonlocal done
        async with semaphore:
            finished.extend(await work(chunk))
        done += 1
        if progress is not None:
            await progress(done, chunks.count)

    tasks: list[asyncio.Task[None]] = []
    try:
        async with aclosing(chunks.chunks) as cut:
            async for chunk in cut:
                tasks.append(asyncio.create_task(one(chunk)))
        await asyncio.gather(*tasks)
    except BaseException as error:
        for task in tasks:
            task.cancel()
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)
        if isinstance(error, VoiceNoteError):
            spent = [r.usage for r in finished] + [
                o.usage for o in outcomes if isinstance(o, VoiceNoteError) and o is not error
            ]
            charge(error, sum(spent, Usage()))
        raise
    return sorted(finished, key=lambda result: result.offset_s)


class ChunkTranscriber:
    """Transcribes chunks of one prepared audio file inside one job workdir."""

    def __init__(
        self,
        gemini: GeminiService,
        tools: AudioTools,
        *,
        workdir: Path,
        prompt_options: PromptOptions,
        concurrency: int,
    ) -> None:
        self._gemini = gemini
        self._tools = tools
        self._workdir = workdir
        self._prompt = transcript_prompt(prompt_options)
        self._semaphore = asyncio.Semaphore(concurrency)

    async def transcribe_all(
        self, chunks: ChunkStream, progress: ChunkProgress | None = None
    ) -> list[ChunkResult]:
        """Every chunk as it is cut, concurrently under the bound, in offset order."""
        return await all_chunks(chunks, self.transcribe_chunk, self._semaphore, progress)

    async def transcribe_chunk(self, chunk: AudioChunk) -> list[ChunkResult]:
        """One chunk; split in halves and retried when the reply is cut at the token limit."""
        try:
            return [await self._request(chunk)]
        except TruncatedOutput as cut:
            if chunk.duration_s < 2 * MIN_SPLIT_S:
                return [self._salvage(chunk, cut)]
            log.info("chunk at %.0fs cut at the token limit; splitting", chunk.offset_s)
            merged: list[ChunkResult] = []
            try:
                for half in await self._halves(chunk):
                    merged.extend(await self.transcribe_chunk(half))
            except VoiceNoteError as error:
                charge(error, sum((r.usage for r in merged), cut.usage))
                raise
            merged[0].usage = merged[0].usage + cut.usage
            return merged

    async def _request(self, chunk: AudioChunk) -> ChunkResult:
        usage = Usage()
        for attempt in (1, 2):
            try:
                reply = await self._gemini.structured(
                    prompt=self._prompt, response_model=GeminiTranscript, audio=_as_input(chunk)
                )
            except VoiceNoteError as error:
                charge(error, usage)  # a first reply that looped was billed too
                raise
            usage = usage + reply.usage
            contents = [segment.content for segment in reply.value.segments]
            if attempt == 1 and has_repetition_loop(contents):
                log.warning("repetition loop in chunk at %.0fs; retrying once", chunk.offset_s)
                continue
            break
        result = self._result(chunk, reply.value)
        result.usage = usage
        return result

    def _result(self, chunk: AudioChunk, value: GeminiTranscript) -> ChunkResult:
        repaired = repair_segments(
            value.segments, offset_s=chunk.offset_s, duration_s=chunk.duration_s
        )
        return ChunkResult(
            offset_s=chunk.offset_s,
            language=value.language.strip() or "und",
            summary=value.summary.strip(),
            segments=repaired.segments,
            flags=repair_flags(value.flags, offset_s=chunk.offset_s, duration_s=chunk.duration_s),
            warnings=repaired.warnings,
            partial=repaired.looped,
        )

    def _salvage(self, chunk: AudioChunk, cut: TruncatedOutput) -> ChunkResult:
        """Keep the complete segments of a cut reply, clearly marked partial."""
        result = self._result(chunk, salvage_or_raise(cut, GeminiTranscript))
        result.usage = cut.usage
        result.partial = True
        result.warnings.append(
            f"The transcript from {chunk.offset_s:.0f}s was cut short by the model's output "
            "limit; only the complete part is included."
        )
        return result

    async def _halves(self, chunk: AudioChunk) -> list[AudioChunk]:
        middle = chunk.duration_s / 2
        source = PreparedAudio(
            path=chunk.path,
            mime_type=chunk.mime_type,
            duration_s=chunk.duration_s,
            size_bytes=chunk.path.stat().st_size,
            source_sha256="",
            source_format="",
            transcoded=True,
            is_digital_silence=False,
        )
        halves = []
        for start, end in ((0.0, middle), (middle, chunk.duration_s)):
            part = await cut_range(source, start, end, self._workdir, self._tools)
            halves.append(
                AudioChunk(
                    path=part.path,
                    mime_type=part.mime_type,
                    offset_s=chunk.offset_s + start,
                    duration_s=part.duration_s,
                )
            )
        return halves
