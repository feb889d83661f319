"""A fake Gemini API on 127.0.0.1 that the real google-genai SDK talks to.

See :mod:`testkit.gemini._server` for the wire format it speaks and the faults it scripts;
the ``fake_gemini`` fixture lives in :mod:`tests.helpers.fakes`.
"""

from testkit.gemini._replies import (
    QUOTA_MESSAGE,
    ContinuationReply,
    ErrorReply,
    JsonObject,
    Reply,
    SlowReply,
    TextReply,
)
from testkit.gemini._server import FakeGemini, RecordedRequest, make_client

__all__ = [
    "QUOTA_MESSAGE",
    "ContinuationReply",
    "ErrorReply",
    "FakeGemini",
    "JsonObject",
    "RecordedRequest",
    "Reply",
    "SlowReply",
    "TextReply",
    "make_client",
]
