"""Talking to Gemini: one structured request, with bounded retries, a rate limit and timeouts.

Retries live in :mod:`._retry` and only there (the SDK's own loop is off). Output problems
are handled here: a reply cut at the token limit raises :class:`bot.errors.TruncatedOutput`
(the pipeline recovers or salvages), a safety refusal raises :class:`bot.errors.
GeminiRefused` at once (asking again gets the same answer), an empty, failed or invalid
reply is asked for again a bounded number of times. Whatever is raised carries the usage
already billed by this call's attempts.

A job works with a *scoped* service (:meth:`GeminiService.scoped`): every request of it
starts with the same server prefix (the server's vocabulary and context, as data, before
any audio: a stable prefix Gemini may serve from its implicit cache) and asks for the job's
service tier (:mod:`._sender`).
"""

from __future__ import annotations

import asyncio
import copy
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from bot.errors import GeminiBadOutput, GeminiRefused, TruncatedOutput, VoiceNoteError, charge
from bot.gemini._client import GeminiClient
from bot.gemini._files import AudioInput, AudioParts
from bot.gemini._prompts import SYSTEM_INSTRUCTION
from bot.gemini._quota import Clock, utc_clock
from bot.gemini._ratelimit import RequestLimiter
from bot.gemini._retry import RetryPolicy
from bot.gemini._schema import gemini_schema
from bot.gemini._sdk import Interaction, new_client, refusal_codes
from bot.gemini._sender import Sender, Tiering
from bot.gemini._video import VideoInput
from bot.metrics import Metrics
from bot.model import AUDIO_TOKENS_PER_SECOND, Usage
from bot.options import ServiceTier
from bot.settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)


def estimate_audio_tokens(duration_s: float) -> int:
    """Gemini bills audio at a flat 32 tokens per second, whatever the bitrate."""
    return int(duration_s * AUDIO_TOKENS_PER_SECOND + 0.5)


@dataclass(frozen=True)
class ModelReply(Generic[T]):
    """A parsed, schema-valid reply and what it cost."""

    value: T
    usage: Usage


def build_genai_client(settings: Settings) -> GeminiClient:
    """The SDK client for ``settings``, on its own loop (fails with ConfigError if the key
    is missing)."""
    key = settings.require_gemini_key().get_secret_value()
    return GeminiClient(
        new_client(
            key, base_url=settings.gemini_base_url, timeout_s=settings.gemini_timeout_seconds
        )
    )


class GeminiService:
    """Structured requests to one Gemini model. Built once at startup and shared; a job
    uses a :meth:`scoped` copy (its server's prefix, its tier)."""

    def __init__(
        self,
        client: GeminiClient,
        *,
        model: str,
        limiter: RequestLimiter,
        retry: RetryPolicy,
        timeout_s: float,
        inline_limit_bytes: int,
        max_output_tokens: int,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Clock = utc_clock,
        tiering: Tiering | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.model = model
        self.limiter = limiter
        self._metrics = metrics or Metrics()
        self._client = client
        self._retry = retry
        self.max_output_tokens = max_output_tokens
        self._sender = Sender(
            client,
            limiter=limiter,
            retry=retry,
            timeout_s=timeout_s,
            sleep=sleep,
            clock=clock,
            tiering=tiering or Tiering(),
            metrics=self._metrics,
        )
        self.audio = AudioParts(
            client,
            inline_limit_bytes=inline_limit_bytes,
            retry=retry,
            timeout_s=timeout_s,
            sleep=sleep,
        )
        self.prefix: str | None = None
        self.tier = ServiceTier.STANDARD

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
            tiering=Tiering(flex_timeout_s=settings.gemini_flex_timeout_seconds),
            metrics=metrics,
        )

    @property
    def rate_limited_at(self) -> datetime | None:
        """When Gemini last answered ``rate_limit_exceeded`` to this process (for status)."""
        return self._sender.rate_limited_at

    @property
    def sender(self) -> Sender:
        """How requests are sent (shared with the speech model's service)."""
        return self._sender

    def scoped(self, *, prefix: str | None, tier: ServiceTier) -> GeminiService:
        """This service for one job: ``prefix`` (a server's reference data) opens every
        request, which asks for ``tier``. Shares the client, limiter and uploads."""
        view = copy.copy(self)
        view.prefix, view.tier = prefix, tier
        return view

    async def close(self) -> None:
        """Release the SDK's HTTP connections."""
        await self._client.close()

    async def structured(
        self,
        *,
        prompt: str,
        response_model: type[T],
        audio: AudioInput | None = None,
        video: VideoInput | None = None,
        max_output_tokens: int | None = None,
    ) -> ModelReply[T]:
        """One schema-constrained request, parsed into ``response_model``.

        Raises TruncatedOutput when the reply was cut at the token limit, GeminiUnavailable
        after bounded retries, GeminiRejected for a refused request, GeminiBadOutput when no
        attempt produced schema-valid JSON.
        """
        parts = [*self._prefix_parts(), {"type": "text", "text": prompt}]
        estimate = estimate_audio_tokens(audio.duration_s) if audio else 0
        estimate += video.estimated_tokens() if video else 0
        estimate += math.ceil(len(self.prefix or "") / 4)  # the prefix is paid for too
        usage = Usage(estimated_input_tokens=estimate)
        if video is not None:
            parts.append(video.part())
        if audio is None:
            return await self._ask(parts, response_model, max_output_tokens, usage)
        async with self.audio.part(audio) as part:
            return await self._ask([*parts, part], response_model, max_output_tokens, usage)

    def _prefix_parts(self) -> list[dict[str, Any]]:
        return [{"type": "text", "text": self.prefix}] if self.prefix else []

    async def _ask(
        self,
        parts: list[dict[str, Any]],
        response_model: type[T],
        max_tokens: int | None,
        usage: Usage,
    ) -> ModelReply[T]:
        """Ask until a reply parses, within the output-retry budget."""
        request = self._request(parts, response_model, max_tokens)
        for attempt in range(1, self._retry.output_attempts + 2):
            try:
                interaction = await self._sender.send(request, self.tier)
            except VoiceNoteError as error:
                charge(error, usage)  # earlier attempts of this call were billed
                raise
            usage = usage + self._sender.billed(interaction)
            value = self._sender.judged(
                partial(_judge, interaction, response_model, usage, attempt)
            )
            if value is not None:
                return ModelReply(value, usage)
        raise GeminiBadOutput(
            "Gemini's answer came back unusable several times; please try again.", usage
        )

    def _request(
        self, parts: list[dict[str, Any]], response_model: type[BaseModel], max_tokens: int | None
    ) -> dict[str, Any]:
        """The keyword arguments of ``interactions.create`` for one structured request."""
        return {
            "model": self.model,
            "input": [{"type": "user_input", "content": parts}],
            "system_instruction": SYSTEM_INSTRUCTION,
            "response_format": {
                "type": "text",
                "mime_type": "application/json",
                "schema": gemini_schema(response_model),
            },
            "generation_config": {
                "max_output_tokens": max_tokens or self.max_output_tokens,
                "thinking_level": "low",
            },
        }


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
