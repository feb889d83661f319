"""Transcripts, summaries and answers of a YouTube video Gemini fetches by its URL.

Nothing is downloaded. The request is bounded up front (:class:`bot.gemini.VideoInput`:
the window's end offset, low resolution, few frames; and a prompt asking for that window
only), one request per job: a video's audio is reported to be billed whole whatever the
offsets, so cutting it into several requests could pay for it several times. A reply cut at
the output limit keeps what is complete, marked partial. The video's real length comes back
in the usage (its audio at 32 tokens per second), and bounds the transcript's times.
"""

from __future__ import annotations

import hashlib
from typing import TypeVar

from bot.errors import GeminiRefused, GeminiRejected, TruncatedOutput, charge
from bot.gemini import (
    AUDIO_TOKENS_PER_SECOND,
    GeminiAnswer,
    GeminiService,
    GeminiSummary,
    GeminiTranscript,
    VideoInput,
    ask_prompt,
    summary_prompt,
    transcript_prompt,
    video_note,
)
from bot.model import Mode, Source, TranscriptDocument, Usage
from bot.options import JobOptions
from bot.pipeline._modes import prompt_options
from bot.pipeline._repair import repair_evidence, repair_flags, repair_segments
from bot.pipeline._salvage import salvage_or_raise

PRIVATE_OR_GONE = (
    "Gemini couldn't open that video. Only public YouTube videos work: private, unlisted "
    "with restrictions, age-restricted or removed ones can't be transcribed."
)
R = TypeVar("R", GeminiTranscript, GeminiSummary, GeminiAnswer)


def video_source(video: VideoInput, duration_s: float) -> Source:
    """The document's source for a video: its URL, never any bytes."""
    digest = hashlib.sha256(video.uri.encode()).hexdigest()
    return Source(
        file_name=video.uri,
        sha256=digest,
        mime_type="video/youtube",
        format="youtube",
        duration_s=round(duration_s, 3),
        range_start_s=video.start_s,
        range_end_s=video.end_s,
        uri=video.uri,
    )


def heard_seconds(usage: Usage, fallback_s: float) -> float:
    """How long the video's audio was, from its tokens (32 a second); ``fallback_s`` when
    Gemini did not break the usage down by modality."""
    if usage.audio_tokens <= 0:
        return fallback_s
    return usage.audio_tokens / AUDIO_TOKENS_PER_SECOND


async def _ask(
    gemini: GeminiService, prompt: str, model: type[R], video: VideoInput
) -> tuple[R, Usage, bool]:
    try:
        reply = await gemini.structured(prompt=prompt, response_model=model, video=video)
    except TruncatedOutput as cut:
        return salvage_or_raise(cut, model), cut.usage, True
    except GeminiRejected as error:
        if isinstance(error, GeminiRefused):
            raise
        raise charge(GeminiRejected(PRIVATE_OR_GONE), error.usage) from None
    return reply.value, reply.usage, False


async def from_video(
    gemini: GeminiService, document: TranscriptDocument, video: VideoInput, options: JobOptions
) -> TranscriptDocument:
    """The document of ``options.mode`` for ``video`` (see the module docstring)."""
    note, prompts = video_note(video.start_s, video.end_s), prompt_options(options)
    if options.mode is Mode.TRANSCRIPT:
        prompt = transcript_prompt(prompts, offset_note=note)
        value, usage, partial = await _ask(gemini, prompt, GeminiTranscript, video)
        return _transcript(document, video, value, usage, partial)
    if options.mode is Mode.SUMMARY:
        prompt = summary_prompt(prompts, note=note)
        summary, usage, partial = await _ask(gemini, prompt, GeminiSummary, video)
        update = _summary_update(summary, _end(video, usage))
    else:
        prompt = ask_prompt(prompts, note=note)
        answer, usage, partial = await _ask(gemini, prompt, GeminiAnswer, video)
        update = _answer_update(answer, options, _end(video, usage))
    source = video_source(video, heard_seconds(usage, video.bound_s))
    update |= {"source": source, "usage": usage, "partial": partial}
    return document.model_copy(update=update)


def _summary_update(summary: GeminiSummary, end_s: float) -> dict[str, object]:
    return {
        "summary": summary.summary.strip(),
        "key_points": [p.strip() for p in summary.key_points if p.strip()],
        "action_items": [a.strip() for a in summary.action_items if a.strip()],
        "emotion": summary.emotion,
        "language": summary.language.strip() or "und",
        "flags": repair_flags(summary.flags, offset_s=0.0, duration_s=end_s),
    }


def _answer_update(answer: GeminiAnswer, options: JobOptions, end_s: float) -> dict[str, object]:
    return {
        "question": options.question,
        "answer": answer.answer.strip(),
        "language": answer.language.strip() or "und",
        "evidence": repair_evidence(answer.evidence, offset_s=0.0, duration_s=end_s),
    }


def _end(video: VideoInput, usage: Usage) -> float:
    """Where the window really ends: its bound, or sooner when the video is shorter."""
    return min(video.end_s, heard_seconds(usage, video.end_s))


def _transcript(
    document: TranscriptDocument,
    video: VideoInput,
    value: GeminiTranscript,
    usage: Usage,
    partial: bool,
) -> TranscriptDocument:
    end = _end(video, usage)
    repaired = repair_segments(value.segments, offset_s=0.0, duration_s=end)
    segments = [s for s in repaired.segments if s.start >= video.start_s - 1.0]
    warnings = list(repaired.warnings)
    if len(segments) < len(repaired.segments):
        warnings.append("Dropped segments timed before the requested start of the video.")
    return document.model_copy(
        update={
            "summary": value.summary.strip(),
            "language": value.language.strip() or "und",
            "segments": segments,
            "flags": repair_flags(value.flags, offset_s=0.0, duration_s=end),
            "no_speech": not segments,
            "source": video_source(video, heard_seconds(usage, video.bound_s)),
            "usage": usage,
            "partial": partial or repaired.looped,
            "warnings": warnings,
        }
    )
