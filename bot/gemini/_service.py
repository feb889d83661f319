"""Talking to Gemini: one structured request, with bounded retries, a rate limit and timeouts.

Retries live in :mod:`._retry` and only there (the SDK's own loop is off). Output problems
are handled here: a reply cut at the token limit raises :class:`bot.errors.TruncatedOutput`
(the pipeline recovers or salvages), a safety refusal raises :class:`bot.errors.
GeminiRefused` at once (asking again gets the same answer), an empty, failed or invalid
reply is asked for again a bounded number of times. Whatever is raised carries the usage
already billed by this call's attempts.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from google import genai
from pydantic import BaseModel, ValidationError

from bot.errors import GeminiBadOutput, GeminiRefused, TruncatedOutput, VoiceNoteError, charge
from bot.gemini._files import AudioInput, AudioParts
from bot.gemini._prompts import SYSTEM_INSTRUCTION
from bot.gemini._quota import Clock, utc_clock
from bot.gemini._ratelimit import RequestLimiter
from bot.gemini._retry import RetryPolicy, with_retries
from bot.gemini._schema import gemini_schema
from bot.gemini._sdk import (
    Interaction,
    Retryable,
    fault_outcome,
    new_client,
    refusal_codes,
    usage_of,
)
from bot.metrics import GeminiOutcome, Metrics
from bot.model import Usage
from bot.settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)
AUDIO_TOKENS_PER_SECOND = 32


def estimate_audio_tokens(duration_s: float) -> int:
    """Gemini bills audio at a flat 32 tokens per second, whatever the bitrate."""
    return int(duration_s * AUDIO_TOKENS_PER_SECOND + 0.5)


@dataclass(frozen=True)
class ModelReply(Generic[T]):
    """A parsed, schema-valid reply and what it cost."""

    value: T
    usage: Usage


def build_genai_client(settings: Settings) -> genai.Client:
    """The SDK client for ``settings`` (fails with ConfigError if the key is missing)."""
    key = settings.require_gemini_key().get_secret_value()
    return new_client(
        key, base_url=settings.gemini_base_url, timeout_s=settings.gemini_timeout_seconds
    )


class GeminiService:
    """Structured requests to one Gemini model. Built once at startup and shared."""

    def __init__(
        self,
        client: genai.Client,
        *,
        model: str,
        limiter: RequestLimiter,
        retry: RetryPolicy,
        timeout_s: float,
        inline_limit_bytes: int,
        max_output_tokens: int,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Clock = utc_clock,
        metrics: Metrics | None = None,
    ) -> None:
        self.model = model
        self.limiter = limiter
        self.rate_limited_at: datetime | None = None
        """When Gemini last answered ``rate_limit_exceeded`` to this process (for status)."""
        self._metrics = metrics or Metrics()
        self._clock = clock
        self._client = client
        self._limiter = limiter
        self._retry = retry
        self._timeout_s = timeout_s
        self._max_output_tokens = max_output_tokens
        self._sleep = sleep
        self._audio = AudioParts(
            client,
            inline_limit_bytes=inline_limit_bytes,
            retry=retry,
            timeout_s=timeout_s,
            sleep=sleep,
        )

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        limiter: RequestLimiter,
        *,
        clock: Clock = utc_clock,
        metrics: Metrics | None = None,
    ) -> GeminiService:
        """Build the service from settings (fails with ConfigError if the key is missing);
        ``clock`` dates quota resets (the bot's one clock, shared with storage)."""
        return cls(
            build_genai_client(settings),
            model=settings.gemini_model,
            limiter=limiter,
            retry=RetryPolicy(
                attempts=settings.gemini_attempts,
                max_wait_s=settings.gemini_max_retry_wait_seconds,
            ),
            timeout_s=settings.gemini_timeout_seconds,
            inline_limit_bytes=settings.gemini_inline_limit_bytes,
            max_output_tokens=settings.gemini_max_output_tokens,
            clock=clock,
            metrics=metrics,
        )

    async def close(self) -> None:
        """Release the SDK's HTTP connections."""
        await self._client.aio.aclose()

    async def structured(
        self,
        *,
        prompt: str,
        response_model: type[T],
        audio: AudioInput | None = None,
        max_output_tokens: int | None = None,
    ) -> ModelReply[T]:
        """One schema-constrained request, parsed into ``response_model``.

        Raises TruncatedOutput when the reply was cut at the token limit, GeminiUnavailable
        after bounded retries, GeminiRejected for a refused request, GeminiBadOutput when no
        attempt produced schema-valid JSON.
        """
        parts: list[dict[str, Any]] = [{"type": "text", "text": prompt}]
        estimate = estimate_audio_tokens(audio.duration_s) if audio else 0
        usage = Usage(estimated_input_tokens=estimate)
        if audio is None:
            return await self._ask(parts, response_model, max_output_tokens, usage)
        async with self._audio.part(audio) as part:
            return await self._ask([*parts, part], response_model, max_output_tokens, usage)

    async def _ask(
        self,
        parts: list[dict[str, Any]],
        response_model: type[T],
        max_tokens: int | None,
        usage: Usage,
    ) -> ModelReply[T]:
        """Ask until a reply parses, within the output-retry budget."""
        for attempt in range(1, self._retry.output_attempts + 2):
            try:
                interaction = await self._create(parts, response_model, max_tokens)
            except VoiceNoteError as error:
                charge(error, usage)  # earlier attempts of this call were billed
                raise
            billed = usage_of(interaction)
            self._metrics.gemini_tokens(billed)
            usage = usage + billed
            value = self._judged(interaction, response_model, usage, attempt)
            if value is not None:
                return ModelReply(value, usage)
        raise GeminiBadOutput(
            "Gemini's answer came back unusable several times; please try again.", usage
        )

    def _judged(
        self, interaction: Interaction, response_model: type[T], usage: Usage, attempt: int
    ) -> T | None:
        """:func:`_judge`, counting what the answer came to."""
        try:
            value = _judge(interaction, response_model, usage, attempt)
        except TruncatedOutput:
            self._metrics.gemini_request(GeminiOutcome.TRUNCATED)
            raise
        except GeminiRefused:
            self._metrics.gemini_request(GeminiOutcome.REFUSED)
            raise
        self._metrics.gemini_request(
            GeminiOutcome.OK if value is not None else GeminiOutcome.UNUSABLE
        )
        return value

    def _on_fault(self, signal: Retryable | Exception) -> None:
        """A request failed: count it, and remember when Gemini last rate-limited us."""
        outcome = fault_outcome(signal)
        self._metrics.gemini_request(outcome)
        if outcome is GeminiOutcome.RATE_LIMITED:
            self.rate_limited_at = self._clock()

    def _request(self, response_model: type[BaseModel], max_tokens: int | None) -> dict[str, Any]:
        """What every request of this schema sends besides its input."""
        return {
            "model": self.model,
            "system_instruction": SYSTEM_INSTRUCTION,
            "response_format": {
                "type": "text",
                "mime_type": "application/json",
                "schema": gemini_schema(response_model),
            },
            "generation_config": {
                "max_output_tokens": max_tokens or self._max_output_tokens,
                "thinking_level": "low",
            },
            "store": False,
            "timeout": self._timeout_s,
        }

    async def _create(
        self, parts: list[dict[str, Any]], response_model: type[BaseModel], max_tokens: int | None
    ) -> Interaction:
        """Send one request, retrying transient faults within the policy's bounds."""
        request = self._request(response_model, max_tokens)

        async def once(attempt: int) -> Interaction:
            waited = await self._limiter.acquire()
            started = time.monotonic()
            async with asyncio.timeout(self._timeout_s + 5):
                result: Interaction = await self._client.aio.interactions.create(  # type: ignore[assignment]
                    input=[{"type": "user_input", "content": parts}], **request
                )
            log.info(
                "gemini request ok: status=%s elapsed=%.2fs ratelimit_wait=%.2fs attempt=%d",
                result.status,
                time.monotonic() - started,
                waited,
                attempt,
            )
            return result

        return await with_retries(
            once,
            self._retry,
            self._sleep,
            what="request",
            clock=self._clock,
            on_fault=self._on_fault,
        )


def _judge(
    interaction: Interaction, response_model: type[T], usage: Usage, attempt: int
) -> T | None:
    """The parsed reply; None (logged) when this attempt produced nothing usable; raises
    TruncatedOutput for a cut reply and GeminiRefused for a safety refusal (final)."""
    text = interaction.output_text or ""
    if interaction.status == "incomplete":
        raise TruncatedOutput(text, usage)
    codes = refusal_codes(interaction)
    if codes:
        log.warning("gemini refused the content: codes=%s (attempt %d)", ",".join(codes), attempt)
        raise GeminiRefused(codes, usage)
    return _parse(text, response_model, interaction.status, attempt)


def _parse(text: str, response_model: type[T], status: str, attempt: int) -> T | None:
    """The parsed reply, or None (logged) when this attempt produced nothing usable."""
    if status != "completed":
        log.warning("gemini reply status=%s (attempt %d)", status, attempt)
        return None
    if not text.strip():
        log.warning("gemini reply empty (attempt %d)", attempt)
        return None
    try:
        return response_model.model_validate_json(text)
    except ValidationError as error:
        log.warning("gemini reply invalid (attempt %d): %d errors", attempt, error.error_count())
        return None
