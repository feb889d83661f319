"""The transcript model: what Gemini is asked for, and the document we keep and render.

Two families live here and nowhere else:

* ``Gemini*`` models describe exactly what the model must return. The JSON schema sent with
  each request is generated from them (:mod:`bot.gemini._schema`), and the reply is parsed back into
  them, so the schema and the parser can never drift apart.
* :class:`TranscriptDocument` is the versioned, validated result (absolute seconds, clamped
  to the real duration) that renderers, storage and the Discord layer consume.

Version 2 added, all optional so that version 1 documents (in the result cache) still read
as they were: ``Segment.words`` (word timing from the speech model), ``Segment.emotion``
may be null (the speech engine hears no emotion), ``Source.uri`` (a video link),
``engine`` and ``timing``, and the usage's per-modality and flex-tier counts.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

DOCUMENT_VERSION = 2
AUDIO_TOKENS_PER_SECOND = 32
"""What Gemini bills a second of audio, whatever the bitrate (its audio docs)."""
Emotion = Literal["happy", "sad", "angry", "neutral"]
Timing = Literal["model", "words", "estimated"]
"""Where segment times come from: the general model's timestamps, the speech model's word
timestamps, or an estimate (the speech model without word timestamps gives no times)."""


class Mode(StrEnum):
    """What the person asked for."""

    TRANSCRIPT = "transcript"
    SUMMARY = "summary"
    ASK = "ask"


class FlagCategory(StrEnum):
    """Moderation categories a reviewer cares about."""

    HARASSMENT = "harassment"
    HATE = "hate"
    THREAT = "threat"
    SELF_HARM = "self_harm"
    SEXUAL = "sexual"
    PERSONAL_INFO = "personal_info"
    SPAM = "spam"
    OTHER = "other"


class Severity(StrEnum):
    """How urgently a moderator should look."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Word(BaseModel):
    """One word with its absolute time, as the speech model timed it."""

    start: float
    end: float
    text: str


class Segment(BaseModel):
    """One utterance with absolute, validated times in seconds."""

    start: float
    end: float
    timestamp: str
    speaker: str
    content: str
    language: str
    translation: str | None = None
    emotion: Emotion | None = "neutral"  # None: not heard (the speech engine)
    words: list[Word] = Field(default_factory=list)  # with word timestamps only


class Flag(BaseModel):
    """A moderation flag with an absolute time."""

    category: FlagCategory
    severity: Severity
    reason: str
    start: float
    timestamp: str


class Evidence(BaseModel):
    """A supporting quote for an answer."""

    start: float
    timestamp: str
    quote: str


class Source(BaseModel):
    """Where the audio came from. Never holds the audio itself."""

    file_name: str
    sha256: str
    mime_type: str
    format: str
    duration_s: float
    range_start_s: float | None = None
    range_end_s: float | None = None
    uri: str | None = None  # a video link Gemini was given (nothing was downloaded)


class TierUsage(BaseModel):
    """The part of a usage Gemini served on the flex tier (billed at its lower price)."""

    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    thought_tokens: int = 0
    cached_tokens: int = 0

    def __add__(self, other: TierUsage) -> TierUsage:
        """The sum of two tier usages."""
        names = TierUsage.model_fields
        return TierUsage(**{name: getattr(self, name) + getattr(other, name) for name in names})


class Usage(BaseModel):
    """Gemini usage for the whole job (all chunks and retries).

    ``output_tokens`` excludes ``thought_tokens`` (Gemini reports thinking separately and
    bills it as output); ``cached_tokens`` is the part of ``input_tokens`` served from
    Gemini's cache (billed at the cached-input price). ``audio_tokens`` and
    ``video_tokens`` are the parts of ``input_tokens`` Gemini attributed to audio and to
    video frames; ``flex`` is the part of everything served on the flex tier.
    """

    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    thought_tokens: int = 0
    cached_tokens: int = 0
    estimated_input_tokens: int = 0
    audio_tokens: int = 0
    video_tokens: int = 0
    flex: TierUsage = Field(default_factory=TierUsage)

    def audio_equivalent_s(self) -> float:
        """The media tokens (audio and video frames) as seconds of audio at 32 tokens a
        second: what a video link counts against the minute quotas. All input tokens when
        Gemini did not break them down by modality."""
        media = self.audio_tokens + self.video_tokens
        return (media or self.input_tokens) / AUDIO_TOKENS_PER_SECOND

    def __add__(self, other: Usage) -> Usage:
        """The sum of two usages."""
        return Usage(
            **{name: getattr(self, name) + getattr(other, name) for name in Usage.model_fields}
        )


class TranscriptDocument(BaseModel):
    """The versioned result of one job: the JSON document users download."""

    version: int = DOCUMENT_VERSION
    kind: Mode
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    model: str
    engine: str = "gemini"
    timing: Timing = "model"
    source: Source
    usage: Usage = Field(default_factory=Usage)
    language: str = "und"
    translate_to: str | None = None
    summary: str = ""
    key_points: list[str] = Field(default_factory=list)
    action_items: list[str] = Field(default_factory=list)
    emotion: Emotion | None = None
    question: str | None = None
    answer: str | None = None
    evidence: list[Evidence] = Field(default_factory=list)
    segments: list[Segment] = Field(default_factory=list)
    flags: list[Flag] = Field(default_factory=list)
    no_speech: bool = False
    partial: bool = False
    warnings: list[str] = Field(default_factory=list)
