"""Scripted replies for :class:`testkit.gemini._server.FakeGemini`.

A test queues one :class:`Reply` per ``interactions.create`` request it expects. Build them
with the classmethods on :class:`Reply` (``Reply.json``, ``Reply.error``, ``Reply.slow``...);
the subclasses are what the server dispatches on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

JsonObject: TypeAlias = dict[str, Any]

# The statuses a single-hop reply can carry (``requires_continuation`` is what
# :meth:`Reply.continuation` produces, so it is not offered here).
ReplyStatus: TypeAlias = Literal[
    "completed",
    "incomplete",
    "failed",
    "cancelled",
    "in_progress",
    "requires_action",
    "budget_exceeded",
    "queued",
]

# Input tokens reported when a reply does not say: a fixed number keeps cost tests simple.
DEFAULT_INPUT_TOKENS = 1000

QUOTA_MESSAGE = (
    "You exceeded your current quota, please check your plan and billing details. For more "
    "information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits."
)
OVERLOADED_MESSAGE = "The model is overloaded. Please try again later."
INTERNAL_MESSAGE = (
    "An internal error has occurred. Please retry or report in "
    "https://developers.generativeai.google/guide/troubleshooting"
)


def default_usage(text: str) -> tuple[int, int]:
    """Usage reported when a reply gives none: fixed input, ~4 characters per output token."""
    return DEFAULT_INPUT_TOKENS, max(1, len(text) // 4)


@dataclass(frozen=True)
class Reply:
    """One scripted answer to one ``interactions.create`` request."""

    @classmethod
    def json(
        cls,
        obj: Any,
        *,
        status: ReplyStatus = "completed",
        usage: tuple[int, int] | None = None,
    ) -> TextReply:
        """The model answers ``json.dumps(obj)``; ``usage`` is ``(input, output)`` tokens."""
        return TextReply(json.dumps(obj, ensure_ascii=False), status=status, usage=usage)

    @classmethod
    def text(
        cls,
        raw_text: str,
        *,
        status: ReplyStatus = "completed",
        usage: tuple[int, int] | None = None,
    ) -> TextReply:
        """The model answers ``raw_text`` verbatim (invalid JSON, empty string...)."""
        return TextReply(raw_text, status=status, usage=usage)

    @classmethod
    def truncated(cls, obj: Any, *, usage: tuple[int, int] | None = None) -> TextReply:
        """``json.dumps(obj)`` cut roughly in half with ``status="incomplete"`` (token limit)."""
        full = json.dumps(obj, ensure_ascii=False)
        return TextReply(full[: len(full) // 2], status="incomplete", usage=usage)

    @classmethod
    def failed(cls, message: str = "The model failed to generate a response.") -> TextReply:
        """HTTP 200 with ``status="failed"``, no output steps and one entry in ``errors``."""
        return TextReply(None, status="failed", usage=None, error_message=message)

    @classmethod
    def error(
        cls,
        http_status: int,
        status_name: str,
        message: str,
        *,
        retry_after: float | None = None,
    ) -> ErrorReply:
        """A Google error body ``{"error": {"code", "message", "status"}}``.

        ``retry_after`` (seconds) sends a ``Retry-After`` header and a ``RetryInfo`` detail.
        """
        return ErrorReply(http_status, status_name, message, retry_after=retry_after)

    @classmethod
    def rate_limited(cls, *, retry_after: float | None = None) -> ErrorReply:
        """429 RESOURCE_EXHAUSTED, as Gemini answers when the quota is used up."""
        return cls.error(429, "RESOURCE_EXHAUSTED", QUOTA_MESSAGE, retry_after=retry_after)

    @classmethod
    def unavailable(cls, *, retry_after: float | None = None) -> ErrorReply:
        """503 UNAVAILABLE ("The model is overloaded")."""
        return cls.error(503, "UNAVAILABLE", OVERLOADED_MESSAGE, retry_after=retry_after)

    @classmethod
    def internal(cls) -> ErrorReply:
        """500 INTERNAL."""
        return cls.error(500, "INTERNAL", INTERNAL_MESSAGE)

    @classmethod
    def bad_request(cls, message: str) -> ErrorReply:
        """400 INVALID_ARGUMENT with ``message``."""
        return cls.error(400, "INVALID_ARGUMENT", message)

    @classmethod
    def slow(cls, seconds: float, then: Reply) -> SlowReply:
        """Wait ``seconds`` before answering with ``then`` (for timeout tests)."""
        return SlowReply(seconds, then)

    @classmethod
    def continuation(
        cls,
        first_text_part: str,
        second_text_part: str,
        *more_parts: str,
        usage: tuple[int, int] | None = None,
    ) -> ContinuationReply:
        """Text spread over several hops linked by ``continuation_token``.

        The first response has ``status="requires_continuation"`` and a token; the SDK
        follows up by itself (one extra request per further part, answered from this reply,
        not from the queue). The SDK concatenates the hops' steps, so ``output_text`` is the
        parts joined with no separator, and sums the usage (``usage`` is per hop).
        """
        return ContinuationReply((first_text_part, second_text_part, *more_parts), usage=usage)

    @classmethod
    def repeat_loop(
        cls,
        obj_prefix: JsonObject,
        *,
        list_key: str = "segments",
        times: int = 40,
        status: ReplyStatus = "completed",
    ) -> TextReply:
        """A repetition loop: the last item of ``obj_prefix[list_key]`` repeated ``times`` more.

        Models stuck in a loop emit the same segment again and again; use
        ``status="incomplete"`` for the variant that ran into the token limit.
        """
        items = obj_prefix.get(list_key)
        if not isinstance(items, list) or not items:
            raise ValueError(f"obj_prefix[{list_key!r}] must be a non-empty list")
        looped = {**obj_prefix, list_key: [*items, *([items[-1]] * times)]}
        return cls.json(looped, status=status)


@dataclass(frozen=True)
class TextReply(Reply):
    """A 200 interaction whose single ``model_output`` step holds ``text`` (None: no steps)."""

    body_text: str | None
    status: str = "completed"
    usage: tuple[int, int] | None = None
    error_message: str | None = None

    def tokens(self) -> tuple[int, int]:
        """The ``(input, output)`` tokens to report."""
        return self.usage if self.usage is not None else default_usage(self.body_text or "")


@dataclass(frozen=True)
class ErrorReply(Reply):
    """An HTTP error in Google's format."""

    http_status: int
    status_name: str
    message: str
    retry_after: float | None = None


@dataclass(frozen=True)
class SlowReply(Reply):
    """Sleep, then answer with ``then``."""

    seconds: float
    then: Reply


@dataclass(frozen=True)
class ContinuationReply(Reply):
    """Text delivered over ``len(parts)`` hops."""

    parts: tuple[str, ...]
    usage: tuple[int, int] | None = None
