"""What Gemini must return: the reply models of each request.

The JSON schema sent with each request is generated from these models (:mod:`._schema`)
and the reply is parsed back into them, so the schema and the parser can never drift apart.
Each model also says which fields a reply cut at the token limit may lack
(``salvage_defaults``), for :func:`bot.pipeline.salvage_or_raise`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from bot.model import Emotion, FlagCategory, Severity


class GeminiReply(BaseModel):
    """Base of every reply model."""

    # Gemini may add keys we didn't ask for; ignore them rather than fail the whole reply.
    model_config = ConfigDict(extra="ignore")
    salvage_defaults: ClassVar[dict[str, Any]] = {}
    """Values for the fields a cut reply may be missing (lists end early)."""


class GeminiSegment(GeminiReply):
    """One utterance as Gemini reports it."""

    speaker: str = Field(description="Speaker label, e.g. 'Speaker 1'; keep labels consistent.")
    timestamp: str = Field(description="Start time of the segment as MM:SS (H:MM:SS past 1 h).")
    content: str = Field(description="Verbatim text in the original language.")
    language: str = Field(description="Language of the segment as an ISO 639-1 code, e.g. 'en'.")
    translation: str = Field(
        description="Translation into the target language; empty if already in that language."
    )
    emotion: Emotion = Field(description="Dominant emotion of the speaker in this segment.")


class GeminiFlag(GeminiReply):
    """Something a moderator may want to see. Most clips have none."""

    category: FlagCategory
    severity: Severity
    reason: str = Field(description="One neutral sentence saying what was said and why flagged.")
    timestamp: str = Field(description="Where it happens, MM:SS.")


class GeminiTranscript(GeminiReply):
    """The reply for a transcript request: summary and segments in one response."""

    salvage_defaults: ClassVar[dict[str, Any]] = {
        "language": "und",
        "summary": "",
        "segments": [],
        "flags": [],
    }

    language: str = Field(description="Main spoken language, ISO 639-1 code; 'und' if no speech.")
    summary: str = Field(description="Two or three sentences on what is said or heard.")
    segments: list[GeminiSegment] = Field(description="Every utterance in order; [] if no speech.")
    flags: list[GeminiFlag] = Field(description="Moderation concerns; [] when there are none.")


class GeminiSummary(GeminiReply):
    """The reply for a summary request (no segments: a much shorter output)."""

    salvage_defaults: ClassVar[dict[str, Any]] = {"key_points": [], "action_items": [], "flags": []}

    language: str = Field(description="Main spoken language, ISO 639-1 code; 'und' if no speech.")
    summary: str = Field(description="A short paragraph: who talks about what, and the outcome.")
    key_points: list[str] = Field(description="Up to 8 key points, one sentence each.")
    action_items: list[str] = Field(
        description="Tasks or requests someone must act on; [] if none."
    )
    emotion: Emotion = Field(description="Dominant emotion overall.")
    flags: list[GeminiFlag] = Field(description="Moderation concerns; [] when there are none.")


class GeminiEvidence(GeminiReply):
    """A quote that supports an answer."""

    timestamp: str = Field(description="Where the quote starts, MM:SS.")
    quote: str = Field(description="The words as spoken.")


class GeminiAnswer(GeminiReply):
    """The reply to a free question about the clip."""

    salvage_defaults: ClassVar[dict[str, Any]] = {"evidence": []}

    language: str = Field(description="Main spoken language, ISO 639-1 code; 'und' if no speech.")
    answer: str = Field(description="The answer, grounded only in the audio.")
    evidence: list[GeminiEvidence] = Field(
        description="Up to 5 short quotes from the audio that support the answer."
    )


class GeminiSpeakerLink(GeminiReply):
    """One part-local speaker label mapped to a label for the whole recording."""

    part: int = Field(description="The part number as given.")
    label: str = Field(description="The label used inside that part.")
    speaker: str = Field(description="The label for the whole recording, e.g. 'Speaker 1'.")


class GeminiSpeakerMap(GeminiReply):
    """The reply of the speaker reconciliation request (text only, no audio)."""

    salvage_defaults: ClassVar[dict[str, Any]] = {"links": []}

    links: list[GeminiSpeakerLink] = Field(description="One entry for every part and label.")


class GeminiLineNote(GeminiReply):
    """What the general model adds to one line of a speech-model transcript."""

    line: int = Field(description="The line number as given.")
    language: str = Field(description="Language of the line, ISO 639-1.")
    translation: str = Field(description="Translation into the target language, or empty.")


class GeminiLineFlag(GeminiReply):
    """A moderation concern in one line of a given transcript."""

    category: FlagCategory
    severity: Severity
    reason: str = Field(description="One neutral sentence saying what was said and why flagged.")
    line: int = Field(description="The line number it is in.")


class GeminiTermFix(GeminiReply):
    """Words of a transcript that are a misheard form of a reference term."""

    heard: str = Field(description="The words exactly as written in the transcript.")
    term: str = Field(description="The reference term they stand for.")


class GeminiTranscriptNotes(GeminiReply):
    """The text-only follow-up of the speech engine: summary, languages, translations,
    flags and vocabulary fixes for a transcript it was given."""

    salvage_defaults: ClassVar[dict[str, Any]] = {"lines": [], "flags": [], "fixes": []}

    language: str = Field(description="Main language, ISO 639-1; 'und' if unclear.")
    summary: str = Field(description="Two or three sentences on what is said.")
    lines: list[GeminiLineNote] = Field(description="One entry per transcript line.")
    flags: list[GeminiLineFlag] = Field(description="Moderation concerns; [] when none.")
    fixes: list[GeminiTermFix] = Field(description="Misheard reference terms; [] when none.")


class GeminiLineTranslation(GeminiReply):
    """One line of a transcript in another language."""

    line: int = Field(description="The line number as given.")
    text: str = Field(description="The line translated.")


class GeminiTranslation(GeminiReply):
    """A stored transcript translated (text only, no audio)."""

    salvage_defaults: ClassVar[dict[str, Any]] = {"lines": []}

    summary: str = Field(description="The summary translated.")
    lines: list[GeminiLineTranslation] = Field(description="Every line, translated, in order.")
