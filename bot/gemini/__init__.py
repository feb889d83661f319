"""Gemini: structured requests over the Interactions API, and what they ask for.

* :class:`GeminiService` sends one schema-constrained request and parses the reply into a
  reply model (``_service``), sending audio inline or through the Files API (``_files``).
* Every SDK detail (the client, its error classes and codes, refusals, usage fields) is in
  ``_sdk``; the SDK runs on its own event loop in a thread (``_client``); retries are one
  bounded loop (``_retry``); a shared :class:`RateLimiter` paces requests; ``_quota``
  knows when a used-up daily quota resets (midnight Pacific).
* The ``Gemini*`` reply models (``_replies``) are both the JSON schema sent (``_schema``
  flattens them) and the parser; the prompts are plain text in ``_prompts``.
* :class:`SpeechService` asks the speech model (``_speech``) for words, speakers and word
  timestamps; a YouTube video goes in as a :class:`VideoInput` (``_video``); requests go
  out through one ``_sender`` (rate limit, timeouts, retries, the flex tier's fallback).
"""

from bot.gemini._files import AudioInput
from bot.gemini._languages import bcp47, iso_639_1
from bot.gemini._prompts import (
    SYSTEM_INSTRUCTION,
    PromptOptions,
    ask_prompt,
    merge_summary_prompt,
    notes_prompt,
    server_prefix,
    summary_prompt,
    transcript_prompt,
    translation_prompt,
    video_note,
)
from bot.gemini._quota import quota_reset_after
from bot.gemini._ratelimit import RateLimiter, RequestLimiter
from bot.gemini._replies import (
    GeminiAnswer,
    GeminiEvidence,
    GeminiFlag,
    GeminiLineFlag,
    GeminiLineNote,
    GeminiLineTranslation,
    GeminiReply,
    GeminiSegment,
    GeminiSpeakerLink,
    GeminiSpeakerMap,
    GeminiSummary,
    GeminiTermFix,
    GeminiTranscript,
    GeminiTranscriptNotes,
    GeminiTranslation,
)
from bot.gemini._retry import RetryPolicy
from bot.gemini._schema import gemini_schema, schema_fingerprint
from bot.gemini._sdk import RawWord
from bot.gemini._sender import Tiering
from bot.gemini._service import (
    GeminiService,
    ModelReply,
    build_genai_client,
    estimate_audio_tokens,
)
from bot.gemini._speech import SpeechReply, SpeechRequest, SpeechService
from bot.gemini._video import VideoInput
from bot.model import AUDIO_TOKENS_PER_SECOND

__all__ = [
    "AUDIO_TOKENS_PER_SECOND",
    "SYSTEM_INSTRUCTION",
    "AudioInput",
    "GeminiAnswer",
    "GeminiEvidence",
    "GeminiFlag",
    "GeminiLineFlag",
    "GeminiLineNote",
    "GeminiLineTranslation",
    "GeminiReply",
    "GeminiSegment",
    "GeminiService",
    "GeminiSpeakerLink",
    "GeminiSpeakerMap",
    "GeminiSummary",
    "GeminiTermFix",
    "GeminiTranscript",
    "GeminiTranscriptNotes",
    "GeminiTranslation",
    "ModelReply",
    "PromptOptions",
    "RateLimiter",
    "RawWord",
    "RequestLimiter",
    "RetryPolicy",
    "SpeechReply",
    "SpeechRequest",
    "SpeechService",
    "Tiering",
    "VideoInput",
    "ask_prompt",
    "bcp47",
    "build_genai_client",
    "estimate_audio_tokens",
    "gemini_schema",
    "iso_639_1",
    "merge_summary_prompt",
    "notes_prompt",
    "quota_reset_after",
    "schema_fingerprint",
    "server_prefix",
    "summary_prompt",
    "transcript_prompt",
    "translation_prompt",
    "video_note",
]
