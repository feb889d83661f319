"""The transcript model: what Gemini is asked for, and the document we keep and render.

Two families live here and nowhere else:

* ``Gemini*`` models describe exactly what the model must return. The JSON schema sent with
  each request is generated from them (:mod:`bot.schema`), and the reply is parsed back into
  them, so the schema and the parser can never drift apart.
* :class:`TranscriptDocument` is the versioned, validated result (absolute seconds, clamped
  to the real duration) that renderers, storage and the Discord layer consume.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DOCUMENT_VERSION = 1
Emotion = Literal["happy", "sad", "angry", "neutral"]


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


class _GeminiModel(BaseModel):
    # Gemini may add keys we didn't ask for; ignore them rather than fail the whole reply.
    model_config = ConfigDict(extra="ignore")


class GeminiSegment(_GeminiModel):
    """One utterance as Gemini reports it."""

    speaker: str = Field(description="Speaker label, e.g. 'Speaker 1'; keep labels consistent.")
    timestamp: str = Field(description="Start time of the segment as MM:SS (H:MM:SS past 1 h).")
    content: str = Field(description="Verbatim text in the original language.")
    language: str = Field(description="Language of the segment as an ISO 639-1 code, e.g. 'en'.")
    translation: str = Field(
        description="Translation into the target language; empty if already in that language."
    )
    emotion: Emotion = Field(description="Dominant emotion of the speaker in this segment.")


class GeminiFlag(_GeminiModel):
    """Something a moderator may want to see. Most clips have none."""

    category: FlagCategory
    severity: Severity
    reason: str = Field(description="One neutral sentence saying what was said and why flagged.")
    timestamp: str = Field(description="Where it happens, MM:SS.")


class GeminiTranscript(_GeminiModel):
    """The reply for a transcript request: summary and segments in one response."""

    language: str = Field(description="Main spoken language, ISO 639-1 code; 'und' if no speech.")
    summary: str = Field(description="Two or three sentences on what is said or heard.")
    segments: list[GeminiSegment] = Field(description="Every utterance in order; [] if no speech.")
    flags: list[GeminiFlag] = Field(description="Moderation concerns; [] when there are none.")


class GeminiSummary(_GeminiModel):
    """The reply for a summary request (no segments: a much shorter output)."""

    language: str = Field(description="Main spoken language, ISO 639-1 code; 'und' if no speech.")
    summary: str = Field(description="A short paragraph: who talks about what, and the outcome.")
    key_points: list[str] = Field(description="Up to 8 key points, one sentence each.")
    action_items: list[str] = Field(
        description="Tasks or requests someone must act on; [] if none."
    )
    emotion: Emotion = Field(description="Dominant emotion overall.")
    flags: list[GeminiFlag] = Field(description="Moderation concerns; [] when there are none.")


class GeminiEvidence(_GeminiModel):
    """A quote that supports an answer."""

    timestamp: str = Field(description="Where the quote starts, MM:SS.")
    quote: str = Field(description="The words as spoken.")


class GeminiAnswer(_GeminiModel):
    """The reply to a free question about the clip."""

    language: str = Field(description="Main spoken language, ISO 639-1 code; 'und' if no speech.")
    answer: str = Field(description="The answer, grounded only in the audio.")
    evidence: list[GeminiEvidence] = Field(
        description="Up to 5 short quotes from the audio that support the answer."
    )


GeminiReplyModel = GeminiTranscript | GeminiSummary | GeminiAnswer


# ---------------------------------------------------------------------------------------------
# The document we keep and render
# ---------------------------------------------------------------------------------------------


class Segment(BaseModel):
    """One utterance with absolute, validated times in seconds."""

    start: float
    end: float
    timestamp: str
    speaker: str
    content: str
    language: str
    translation: str | None = None
    emotion: Emotion = "neutral"


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


class Usage(BaseModel):
    """Gemini usage for the whole job (all chunks and retries)."""

    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    estimated_input_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        """The sum of two usages."""
        return Usage(
            requests=self.requests + other.requests,
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            estimated_input_tokens=self.estimated_input_tokens + other.estimated_input_tokens,
        )


class TranscriptDocument(BaseModel):
    """The versioned result of one job: the JSON document users download."""

    version: int = DOCUMENT_VERSION
    kind: Mode
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    model: str
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


class GeminiSpeakerLink(_GeminiModel):
    """One part-local speaker label mapped to a label for the whole recording."""

    part: int = Field(description="The part number as given.")
    label: str = Field(description="The label used inside that part.")
    speaker: str = Field(description="The label for the whole recording, e.g. 'Speaker 1'.")


class GeminiSpeakerMap(_GeminiModel):
    """The reply of the speaker reconciliation request (text only, no audio)."""

    links: list[GeminiSpeakerLink] = Field(description="One entry for every part and label.")
