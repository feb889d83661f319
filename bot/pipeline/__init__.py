"""The pipeline: prepared audio in, a validated :class:`bot.model.TranscriptDocument` out.

* :class:`Pipeline` (``_pipeline``) prepares, checks the result cache, admits the spend
  and dispatches to the mode (``_modes``).
* Long transcripts are chunked at silences and transcribed in parallel (``_chunked``), with
  speaker labels reconciled across chunks (``_speakers``); the speech engine does the same
  with Gemini's speech model and a text-only follow-up (``_speech_mode``, ``_words``).
* A YouTube link is answered from the video Gemini fetches (``_video_mode``); a stored
  transcript is translated from its text alone (``_translate``).
* Gemini's output is never trusted: times are validated and loops collapsed (``_repair``),
  and a reply cut at the token limit is salvaged or refused in one place (``_salvage``).
"""

from bot.pipeline._modes import NO_SPEECH_SUMMARY
from bot.pipeline._pipeline import (
    AdmitCallback,
    Pipeline,
    Processed,
    Progress,
    ProgressCallback,
    ResultCache,
    billable_seconds,
    quota_seconds,
    reused_as,
)
from bot.pipeline._salvage import salvage_or_raise
from bot.pipeline._translate import Translated, Translator, translation_key

__all__ = [
    "NO_SPEECH_SUMMARY",
    "AdmitCallback",
    "Pipeline",
    "Processed",
    "Progress",
    "ProgressCallback",
    "ResultCache",
    "Translated",
    "Translator",
    "billable_seconds",
    "quota_seconds",
    "reused_as",
    "salvage_or_raise",
    "translation_key",
]
