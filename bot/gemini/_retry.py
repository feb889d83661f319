"""The one retry loop for Gemini calls: bounded attempts, retry hints honoured up to a cap.

The SDK's own retries are off (:func:`bot.gemini._sdk.new_client`), so the worst case of a
request is ``attempts`` tries and waits each no longer than ``max_wait_s``, all of it logged.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from bot.errors import GeminiUnavailable
from bot.gemini._quota import Clock, utc_clock
from bot.gemini._sdk import Retryable, classify

log = logging.getLogger(__name__)
T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
FaultHook = Callable[[Retryable | Exception], None]
"""Told of every failed attempt, with its :func:`classify` verdict (metrics, state)."""


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


async def with_retries(
    call: Callable[[int], Awaitable[T]],
    policy: RetryPolicy,
    sleep: Sleep,
    *,
    what: str,
    clock: Clock = utc_clock,
    on_fault: FaultHook | None = None,
) -> T:
    """``await call(attempt)`` until it succeeds, retrying transient SDK faults.

    Raises the domain error a final fault maps to (GeminiQuotaExhausted dated by ``clock``
    for a used-up daily quota), or GeminiUnavailable once the attempts are spent or a retry
    hint asks for a longer wait than the policy accepts. ``on_fault`` hears of each failed
    attempt first.
    """
    for attempt in range(1, policy.attempts + 1):
        try:
            return await call(attempt)
        except Exception as error:
            signal = classify(error, clock())
            if on_fault is not None:
                on_fault(signal)
            if not isinstance(signal, Retryable):
                log.warning("gemini %s refused: %s", what, type(error).__name__)
                raise signal from None
            await _wait_before_retry(signal, attempt, policy, sleep)
    raise AssertionError("unreachable: the loop raises on its last attempt")


async def _wait_before_retry(
    signal: Retryable, attempt: int, policy: RetryPolicy, sleep: Sleep
) -> None:
    wait = signal.wait_hint_s if signal.wait_hint_s is not None else policy.backoff(attempt)
    if attempt >= policy.attempts or wait > policy.max_wait_s:
        log.warning("gemini unavailable after %d attempts: %s", attempt, signal.reason)
        raise GeminiUnavailable(signal.user_message, retry_after_s=wait) from None
    log.info("gemini retry %d in %.2fs: %s", attempt, wait, signal.reason)
    await sleep(wait)
