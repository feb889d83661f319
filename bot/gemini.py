"""Talking to Gemini: one structured request, with bounded retries, a rate limit and timeouts.

Retries live here and only here. The SDK's own retry loop is switched off (``attempts=1``):
left alone, google-genai 3.4 makes 5 attempts on a 503 and obeys any ``Retry-After`` with no
cap, which would hide waits and stack with ours. Our loop honours retry hints up to a cap and
gives up after a fixed number of attempts, so the worst case is bounded and logged.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from google import genai
from google.genai import errors as genai_errors
from google.genai import types as genai_types
from google.genai._gaos.errors.genaierror import GenAiError
from google.genai._gaos.errors.no_response_error import NoResponseError
from google.genai._gaos.lib import compat_errors  # where the Interactions API's errors live
from google.genai.interactions import Interaction
from pydantic import BaseModel, ValidationError

from bot.errors import GeminiBadOutput, GeminiRejected, GeminiUnavailable
from bot.model import Usage
from bot.prompts import SYSTEM_INSTRUCTION
from bot.ratelimit import RateLimiter
from bot.schema import gemini_schema
from bot.settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)
AUDIO_TOKENS_PER_SECOND = 32
_BASE64_OVERHEAD = 4 / 3
_REQUEST_SLACK_BYTES = 64 * 1024  # prompt, schema and JSON framing around the audio
_OVERLOADED = "Gemini is overloaded right now; please try again in a few minutes."
_TOO_SLOW = "Gemini took too long to answer; please try again in a few minutes."
_UNREACHABLE = "I couldn't reach Gemini right now; please try again in a few minutes."


def estimate_audio_tokens(duration_s: float) -> int:
    """Gemini bills audio at a flat 32 tokens per second, whatever the bitrate."""
    return int(duration_s * AUDIO_TOKENS_PER_SECOND + 0.5)


@dataclass(frozen=True)
class AudioInput:
    """An audio file ready to send (already normalized to a MIME type Gemini lists)."""

    path: Path
    mime_type: str
    size_bytes: int
    duration_s: float


@dataclass(frozen=True)
class ModelReply(Generic[T]):
    """A parsed, schema-valid reply and what it cost."""

    value: T
    usage: Usage


class TruncatedOutput(Exception):
    """Gemini stopped at the output token limit (``status == "incomplete"``): the JSON is cut.

    Not a user-facing error: the pipeline recovers (smaller chunks) or salvages what is
    complete and marks the result partial.
    """

    def __init__(self, text: str, usage: Usage) -> None:
        super().__init__("output cut at the token limit")
        self.text = text
        self.usage = usage


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: attempts per request and the longest single wait we accept."""

    attempts: int = 4
    base_delay_s: float = 1.0
    max_wait_s: float = 30.0
    output_attempts: int = 2  # extra tries when the reply is empty, failed or not valid JSON

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter."""
        ceiling = min(self.max_wait_s, self.base_delay_s * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)


class _RetryableError(Exception):
    def __init__(
        self, reason: str, wait_hint_s: float | None, user_message: str = _OVERLOADED
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait_hint_s = wait_hint_s
        self.user_message = user_message


def build_genai_client(settings: Settings) -> genai.Client:
    """The SDK client, pointed at ``GEMINI_BASE_URL`` when set, with SDK retries off."""
    http_options = genai_types.HttpOptions(
        base_url=settings.gemini_base_url,
        retry_options=genai_types.HttpRetryOptions(attempts=1),
        timeout=int(settings.gemini_timeout_seconds * 1000),
    )
    key = settings.require_gemini_key().get_secret_value()
    return genai.Client(api_key=key, http_options=http_options)


def _retry_after(error: compat_errors.APIStatusError) -> float | None:
    value = error.response.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


_SDK_TRANSIENT = (
    compat_errors.GeminiNextGenAPIClientError,
    genai_errors.ContinuationInterruptedError,
    genai_errors.UnknownApiResponseError,
    GenAiError,
    NoResponseError,
)


def _classify(error: Exception) -> Exception:
    """Map an SDK exception to a retryable signal or a final domain error."""
    if isinstance(error, compat_errors.RateLimitError):
        return _RetryableError("rate limited (429)", _retry_after(error))
    if isinstance(error, compat_errors.InternalServerError | compat_errors.ConflictError):
        return _RetryableError(f"server error ({error.status_code})", _retry_after(error))
    if isinstance(error, compat_errors.APITimeoutError | TimeoutError):
        return _RetryableError(type(error).__name__, None, _TOO_SLOW)
    if isinstance(error, compat_errors.APIConnectionError):
        return _RetryableError(type(error).__name__, None, _UNREACHABLE)
    if isinstance(error, compat_errors.AuthenticationError | compat_errors.PermissionDeniedError):
        return GeminiRejected("Gemini refused the API key; the bot owner needs to check it.")
    if isinstance(error, compat_errors.APIStatusError):
        body = str(error.body if hasattr(error, "body") else "")
        if "API key" in body or "API_KEY" in body:
            return GeminiRejected("Gemini refused the API key; the bot owner needs to check it.")
        return GeminiRejected(f"Gemini rejected the request (HTTP {error.status_code}).")
    if isinstance(error, genai_errors.APIError):
        if error.code == 429 or error.code >= 500:
            return _RetryableError(f"files API error ({error.code})", None)
        return GeminiRejected(f"Gemini rejected the audio upload (HTTP {error.code}).")
    if isinstance(error, _SDK_TRANSIENT):
        # A malformed response or an interrupted continuation: retried within the budget.
        return _RetryableError(type(error).__name__, None)
    return error  # not the SDK's: a bug of ours, which must surface


class GeminiService:
    """Structured requests to one Gemini model. Built once at startup and shared."""

    def __init__(
        self,
        client: genai.Client,
        *,
        model: str,
        limiter: RateLimiter,
        retry: RetryPolicy,
        timeout_s: float,
        inline_limit_bytes: int,
        max_output_tokens: int,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.model = model
        self._client = client
        self._limiter = limiter
        self._retry = retry
        self._timeout_s = timeout_s
        self._inline_limit = inline_limit_bytes
        self._max_output_tokens = max_output_tokens
        self._sleep = sleep

    @classmethod
    def from_settings(cls, settings: Settings, limiter: RateLimiter) -> GeminiService:
        """Build the service from settings (fails with ConfigError if the key is missing)."""
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
        async with self._audio_part(audio) as part:
            parts: list[dict[str, Any]] = [{"type": "text", "text": prompt}]
            if part is not None:
                parts.append(part)
            usage = Usage(
                estimated_input_tokens=estimate_audio_tokens(audio.duration_s) if audio else 0
            )
            for attempt in range(1, self._retry.output_attempts + 2):
                interaction = await self._create(parts, response_model, max_output_tokens)
                usage = usage + _usage_of(interaction)
                text = interaction.output_text or ""
                if interaction.status == "incomplete":
                    raise TruncatedOutput(text, usage)
                value = _parse(text, response_model, interaction.status, attempt)
                if value is not None:
                    return ModelReply(value, usage)
        raise GeminiBadOutput("Gemini's answer came back unusable several times; please try again.")

    async def _create(
        self, parts: list[dict[str, Any]], response_model: type[BaseModel], max_tokens: int | None
    ) -> Interaction:
        """Send one request, retrying transient faults within the policy's bounds."""
        for attempt in range(1, self._retry.attempts + 1):
            waited = await self._limiter.acquire()
            started = time.monotonic()
            try:
                async with asyncio.timeout(self._timeout_s + 5):
                    result: Interaction = await self._client.aio.interactions.create(  # type: ignore[assignment]
                        model=self.model,
                        input=[{"type": "user_input", "content": parts}],
                        system_instruction=SYSTEM_INSTRUCTION,
                        response_format={
                            "type": "text",
                            "mime_type": "application/json",
                            "schema": gemini_schema(response_model),
                        },
                        generation_config={
                            "max_output_tokens": max_tokens or self._max_output_tokens,
                            "thinking_level": "low",
                        },
                        store=False,
                        timeout=self._timeout_s,
                    )
            except Exception as error:
                signal = _classify(error)
                if not isinstance(signal, _RetryableError):
                    log.warning("gemini request refused: %s", type(error).__name__)
                    raise signal from None
                await self._wait_before_retry(signal, attempt)
                continue
            log.info(
                "gemini request ok: status=%s elapsed=%.2fs ratelimit_wait=%.2fs attempt=%d",
                result.status,
                time.monotonic() - started,
                waited,
                attempt,
            )
            return result
        raise AssertionError("unreachable: the loop raises on its last attempt")

    async def _wait_before_retry(self, signal: _RetryableError, attempt: int) -> None:
        wait = (
            signal.wait_hint_s if signal.wait_hint_s is not None else self._retry.backoff(attempt)
        )
        if attempt >= self._retry.attempts or wait > self._retry.max_wait_s:
            log.warning("gemini unavailable after %d attempts: %s", attempt, signal.reason)
            raise GeminiUnavailable(signal.user_message, retry_after_s=wait) from None
        log.info("gemini retry %d in %.2fs: %s", attempt, wait, signal.reason)
        await self._sleep(wait)

    @asynccontextmanager
    async def _audio_part(self, audio: AudioInput | None) -> AsyncIterator[dict[str, Any] | None]:
        """Inline base64 under the request size limit; otherwise the Files API."""
        if audio is None:
            yield None
            return
        if audio.size_bytes * _BASE64_OVERHEAD + _REQUEST_SLACK_BYTES < self._inline_limit:
            data = await asyncio.to_thread(audio.path.read_bytes)
            yield {
                "type": "audio",
                "data": base64.b64encode(data).decode(),
                "mime_type": audio.mime_type,
            }
            return
        name, uri = await self._upload(audio)
        try:
            yield {"type": "audio", "uri": uri, "mime_type": audio.mime_type}
        finally:
            await self._delete_upload(name)

    async def _upload(self, audio: AudioInput) -> tuple[str, str]:
        """Upload through the Files API and wait until the file is ACTIVE."""
        for attempt in range(1, self._retry.attempts + 1):
            try:
                uploaded = await self._client.aio.files.upload(
                    file=str(audio.path), config={"mime_type": audio.mime_type}
                )
                break
            except Exception as error:
                signal = _classify(error)
                if not isinstance(signal, _RetryableError):
                    raise signal from None
                await self._wait_before_retry(signal, attempt)
        name = uploaded.name or ""
        log.info("gemini upload done: size=%d", audio.size_bytes)
        try:
            return name, await self._wait_active(name)
        except BaseException:
            await self._delete_upload(name)
            raise

    async def _wait_active(self, name: str) -> str:
        deadline = time.monotonic() + self._timeout_s
        delay = 0.5
        while True:
            info = await self._client.aio.files.get(name=name)
            state = str(getattr(info.state, "value", info.state) or "")
            if state == "ACTIVE" and info.uri:
                return info.uri
            if state == "FAILED":
                raise GeminiRejected("Gemini could not process this audio file.")
            if time.monotonic() > deadline:
                raise GeminiUnavailable(_OVERLOADED)
            await self._sleep(delay)
            delay = min(delay * 2, 5.0)

    async def _delete_upload(self, name: str) -> None:
        """Best effort: uploads expire after 48 h anyway, but we keep no audio we can drop."""
        try:
            await self._client.aio.files.delete(name=name)
        except Exception as error:
            log.warning("gemini upload delete failed: %s", type(error).__name__)


def _usage_of(interaction: Interaction) -> Usage:
    usage = getattr(interaction, "usage", None)
    return Usage(
        requests=1,
        input_tokens=int(getattr(usage, "total_input_tokens", None) or 0),
        output_tokens=int(getattr(usage, "total_output_tokens", None) or 0),
    )


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
