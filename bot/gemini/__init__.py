"""Gemini: structured requests over the Interactions API, and what they ask for.

* :class:`GeminiService` sends one schema-constrained request and parses the reply into a
  reply model (``_service``), sending audio inline or through the Files API (``_files``).
* Every SDK detail (the client, its error classes and codes, refusals, usage fields) is in
  ``_sdk``; retries are one bounded loop (``_retry``); a shared :class:`RateLimiter` paces
  requests; ``_quota`` knows when a used-up daily quota resets (midnight Pacific).
* The ``Gemini*`` reply models (``_replies``) are both the JSON schema sent (``_schema``
  flattens them) and the parser; the prompts are plain text in ``_prompts``.
"""

from bot.gemini._files import AudioInput
from bot.gemini._prompts import (
    SYSTEM_INSTRUCTION,
    PromptOptions,
    ask_prompt,
    merge_summary_prompt,
    summary_prompt,
    transcript_prompt,
)
from bot.gemini._quota import quota_reset_after
from bot.gemini._ratelimit import RateLimiter, RequestLimiter
from bot.gemini._replies import (
    GeminiAnswer,
    GeminiEvidence,
    GeminiFlag,
    GeminiReply,
    GeminiSegment,
    GeminiSpeakerLink,
    GeminiSpeakerMap,
    GeminiSummary,
    GeminiTranscript,
)
from bot.gemini._retry import RetryPolicy
from bot.gemini._schema import gemini_schema, schema_fingerprint
from bot.gemini._service import (
    AUDIO_TOKENS_PER_SECOND,
    GeminiService,
    ModelReply,
    build_genai_client,
    estimate_audio_tokens,
)

__all__ = [
    "AUDIO_TOKENS_PER_SECOND",
    "SYSTEM_INSTRUCTION",
    "AudioInput",
    "GeminiAnswer",
    "GeminiEvidence",
    "GeminiFlag",
    "GeminiReply",
    "GeminiSegment",
    "GeminiService",
    "GeminiSpeakerLink",
    "GeminiSpeakerMap",
    "GeminiSummary",
    "GeminiTranscript",
    "ModelReply",
    "PromptOptions",
    "RateLimiter",
    "RequestLimiter",
    "RetryPolicy",
    "ask_prompt",
    "build_genai_client",
    "estimate_audio_tokens",
    "gemini_schema",
    "merge_summary_prompt",
    "quota_reset_after",
    "schema_fingerprint",
    "summary_prompt",
    "transcript_prompt",
]
