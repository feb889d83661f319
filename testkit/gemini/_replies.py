"""Scripted replies for :class:`testkit.gemini._server.FakeGemini`.

A test queues one :class:`Reply` per ``interactions.create`` request it expects. Build them
with the classmethods on :class:`Reply` (``Reply.json``, ``Reply.error``, ``Reply.slow``...);
the subclasses are what the server dispatches on.

Errors use the Interactions API's own shape, ``{"error": {"code": "<string>", "message"}}``
with the codes of Gemini's API errors page for the Interactions API
(ai.google.dev/gemini-api/docs/troubleshooting): ``invalid_request`` (400),
``authentication`` (401), ``payment_required`` (402), ``permission_denied`` (403),
``not_found``/``model_not_found`` (404), ``rate_limit_exceeded`` and ``quota_exceeded``
(429), and the 5xx codes. The older ``{"code": <int>, "status": "RESOURCE_EXHAUSTED"}``
shape belongs to ``generateContent`` and the Files API (:mod:`testkit.gemini._wire`).
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

# Codes in a failed interaction's ``errors`` when Gemini's safety filters blocked the
# request or its answer (Gemini's safety guidance: blocked prompts and responses).
# ``recitation`` (the answer would recite training data) is not among them.
SAFETY_CODES = ("safety", "prohibited_content", "spii", "blocklist", "content_blocked")

QUOTA_MESSAGE = (
    "You exceeded your current quota, please check your plan and billing details. For more "
    "information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits."
)
RATE_LIMIT_MESSAGE = (
    "Resource has been exhausted: too many requests per minute for this model. Please retry "
    "later; see https://ai.google.dev/gemini-api/docs/rate-limits."
)
PAYMENT_MESSAGE = "Your prepaid credit is used up. Add funds to your billing account."
OVERLOADED_MESSAGE = "The model is overloaded. Please try again later."
FLEX_DROPPED_MESSAGE = (
    "The flex tier has no capacity for this request right now; retry later or send it on the "
    "standard tier."
)
INTERNAL_MESSAGE = (
    "An internal error has occurred. Please retry or report in "
    "https://developers.generativeai.google/guide/troubleshooting"
)


@dataclass(frozen=True)
class TokenCounts:
    """Usage to report instead of the one the fake computes from the request.

    ``output`` excludes ``thought`` (Gemini reports thinking separately: the SDK's own tests
    build ``total_tokens = input + output + thought``); ``cached`` is the part of ``input``
    served from a cache.
    """

    input: int
    output: int
    thought: int = 0
    cached: int = 0
    audio: int = 0  # the part of ``input`` that was audio (input_tokens_by_modality)
    video: int = 0  # the part of ``input`` that was video frames


@dataclass(frozen=True)
class Reply:
    """One scripted answer to one ``interactions.create`` request."""

    @classmethod
    def json(
        cls, obj: Any, *, status: ReplyStatus = "completed", usage: TokenCounts | None = None
    ) -> TextReply:
        """The model answers ``json.dumps(obj)``; ``usage`` overrides the computed usage."""
        return TextReply(json.dumps(obj, ensure_ascii=False), status=status, usage=usage)

    @classmethod
    def text(
        cls, raw_text: str, *, status: ReplyStatus = "completed", usage: TokenCounts | None = None
    ) -> TextReply:
        """The model answers ``raw_text`` verbatim (invalid JSON, empty string...)."""
        return TextReply(raw_text, status=status, usage=usage)

    @classmethod
    def truncated(cls, obj: Any, *, usage: TokenCounts | None = None) -> TextReply:
        """``json.dumps(obj)`` cut roughly in half with ``status="incomplete"`` (token limit)."""
        full = json.dumps(obj, ensure_ascii=False)
        return TextReply(full[: len(full) // 2], status="incomplete", usage=usage)

    @classmethod
    def failed(
        cls, message: str = "The model failed to generate a response.", *, code: str | None = None
    ) -> TextReply:
        """HTTP 200 with ``status="failed"``, no output steps and one entry in ``errors``
        (``{"code", "message"}``, as the SDK's ``Interaction.errors`` types it)."""
        return TextReply(None, status="failed", error_message=message, error_code=code)

    @classmethod
    def refused(cls, code: str = "prohibited_content") -> TextReply:
        """A safety refusal: a failed interaction whose error carries a safety ``code``
        (one of :data:`SAFETY_CODES`). The input is still billed; nothing is generated."""
        return cls.failed("The request was blocked by safety filters.", code=code)

    @classmethod
    def error(
        cls, http_status: int, code: str, message: str, *, retry_after: float | None = None
    ) -> ErrorReply:
        """An Interactions API error body ``{"error": {"code", "message"}}``.

        ``retry_after`` (seconds) sends a ``Retry-After`` header, the one retry hint an HTTP
        answer can carry whatever its body's shape.
        """
        return ErrorReply(http_status, code, message, retry_after=retry_after)

    @classmethod
    def rate_limited(cls, *, retry_after: float | None = None) -> ErrorReply:
        """429 ``rate_limit_exceeded``: a per-minute (or per-second) limit, worth a backoff."""
        return cls.error(429, "rate_limit_exceeded", RATE_LIMIT_MESSAGE, retry_after=retry_after)

    @classmethod
    def quota_exceeded(cls) -> ErrorReply:
        """429 ``quota_exceeded``: the daily quota (per project and model) is used up until
        it resets at midnight Pacific time (Gemini's rate-limits page)."""
        return cls.error(429, "quota_exceeded", QUOTA_MESSAGE)

    @classmethod
    def payment_required(cls) -> ErrorReply:
        """402 ``payment_required``: prepaid credit exhausted; retrying cannot help."""
        return cls.error(402, "payment_required", PAYMENT_MESSAGE)

    @classmethod
    def unavailable(cls, *, retry_after: float | None = None) -> ErrorReply:
        """503 ("The model is overloaded")."""
        return cls.error(503, "unavailable", OVERLOADED_MESSAGE, retry_after=retry_after)

    @classmethod
    def internal(cls) -> ErrorReply:
        """500."""
        return cls.error(500, "internal_error", INTERNAL_MESSAGE)

    @classmethod
    def bad_request(cls, message: str) -> ErrorReply:
        """400 ``invalid_request`` with ``message``."""
        return cls.error(400, "invalid_request", message)

    @classmethod
    def speech(cls, *words: SpeechWord, usage: TokenCounts | None = None) -> SpeechReply:
        """The speech model's answer: ``words`` as the transcript text and one
        ``word_info`` annotation each (timed and attributed as the request asked)."""
        return SpeechReply(words, usage=usage)

    @classmethod
    def dropped(cls) -> ErrorReply:
        """503 ``unavailable``: a flex request shed under load (flex is best-effort)."""
        return cls.error(503, "unavailable", FLEX_DROPPED_MESSAGE)

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
        usage: TokenCounts | None = None,
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
class SpeechWord:
    """One scripted word: what the model says and when; ``unbiased`` is what it says for it
    when custom vocabulary is not applied (a name it mishears)."""

    text: str
    start: float
    end: float
    speaker: str = "spk_1"
    unbiased: str | None = None


@dataclass(frozen=True)
class TextReply(Reply):
    """A 200 interaction whose single ``model_output`` step holds ``text`` (None: no steps)."""

    body_text: str | None
    status: str = "completed"
    usage: TokenCounts | None = None
    error_message: str | None = None
    error_code: str | None = None


@dataclass(frozen=True)
class SpeechReply(Reply):
    """The speech model's transcript of scripted words."""

    words: tuple[SpeechWord, ...]
    usage: TokenCounts | None = None


@dataclass(frozen=True)
class ErrorReply(Reply):
    """An HTTP error in the Interactions API's format."""

    http_status: int
    code: str
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
    usage: TokenCounts | None = None
