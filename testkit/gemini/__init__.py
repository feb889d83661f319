"""A fake Gemini API on 127.0.0.1 that the real google-genai SDK talks to.

See :mod:`testkit.gemini._server` for the wire format it speaks and the faults it scripts,
:mod:`testkit.gemini._replies` for the Interactions API's error codes it sends and
:mod:`testkit.gemini._usage` for how it counts tokens; the ``fake_gemini`` fixture lives in
:mod:`tests.helpers.fakes`.
"""

from testkit.gemini._caching import MIN_CACHED_TOKENS
from testkit.gemini._replies import (
    QUOTA_MESSAGE,
    SAFETY_CODES,
    ContinuationReply,
    ErrorReply,
    JsonObject,
    Reply,
    SlowReply,
    SpeechReply,
    SpeechWord,
    TextReply,
    TokenCounts,
)
from testkit.gemini._server import FakeGemini, RecordedRequest, default_reply, make_client
from testkit.gemini._speech import SPEECH_MODELS
from testkit.gemini._usage import AUDIO_TOKENS_PER_SECOND, text_tokens

__all__ = [
    "AUDIO_TOKENS_PER_SECOND",
    "MIN_CACHED_TOKENS",
    "QUOTA_MESSAGE",
    "SAFETY_CODES",
    "SPEECH_MODELS",
    "ContinuationReply",
    "ErrorReply",
    "FakeGemini",
    "JsonObject",
    "RecordedRequest",
    "Reply",
    "SlowReply",
    "SpeechReply",
    "SpeechWord",
    "TextReply",
    "TokenCounts",
    "default_reply",
    "make_client",
    "text_tokens",
]
