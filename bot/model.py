"""The transcript model: what Gemini is asked for, and the document we keep and render.

Two families live here and nowhere else:

* ``Gemini*`` models describe exactly what the model must return. The JSON schema sent with
  each request is generated from them (:mod:`bot.gemini._schema`), and the reply is parsed back into
  them, so the schema and the parser can never drift apart.
* :class:`TranscriptDocument` is the versioned, validated result (absolute seconds, clamped
  to the real duration) that renderers, storage and the Discord layer consume.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

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
    """Gemini usage for the whole job (all chunks and retries).

    ``output_tokens`` excludes ``thought_tokens`` (Gemini reports thinking separately and
    bills it as output); ``cached_tokens`` is the part of ``input_tokens`` served from
    Gemini's cache (billed at the cached-input price).
    """

    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    thought_tokens: int = 0
    cached_tokens: int = 0
    estimated_input_tokens: int = 0

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
