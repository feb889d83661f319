"""The one place interactions are sent: paced, time-bounded, retried, and tiered.

Every request waits for the shared :class:`RateLimiter`, runs under a timeout and is retried
within the :class:`RetryPolicy` (:mod:`._retry`). Queued work may ask for the **flex** tier
(Gemini's flex-inference page: about half the price, "variable latency and best-effort
availability"): then one flex attempt is made under its own, longer bound
(``GEMINI_FLEX_TIMEOUT_SECONDS``); if Gemini drops it (a transient error: overloaded, rate
limited, unreachable) or the bound passes, the request falls back to the standard tier
exactly once, with the usual retries. Final errors (a used-up daily quota, a rejected
request) are final on either tier. Models that do not take tiers are never sent one.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from bot.errors import GeminiRefused, TruncatedOutput
from bot.gemini._client import GeminiClient
from bot.gemini._quota import Clock
from bot.gemini._ratelimit import RequestLimiter
from bot.gemini._retry import RetryPolicy, with_retries
from bot.gemini._sdk import Interaction, Retryable, classify, fault_outcome, served_tier, usage_of
from bot.metrics import GeminiOutcome, Metrics
from bot.model import Usage
from bot.options import ServiceTier

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Tiering:
    """Whether a model takes service tiers, and the bound of one flex attempt."""

    supported: bool = True
    flex_timeout_s: float = 900.0


class Sender:
    """Sends interaction requests for one model (see the module docstring)."""

    def __init__(
        self,
        client: GeminiClient,
        *,
        limiter: RequestLimiter,
        retry: RetryPolicy,
        timeout_s: float,
        sleep: Callable[[float], Awaitable[None]],
        clock: Clock,
        tiering: Tiering,
        metrics: Metrics,
    ) -> None:
        self.client = client
        self.retry = retry
        self.timeout_s = timeout_s
        self.sleep = sleep
        self._limiter = limiter
        self._clock = clock
        self._tiering = tiering
        self._metrics = metrics
        self.rate_limited_at: datetime | None = None
        """When Gemini last answered ``rate_limit_exceeded`` to this process (for status)."""

    def for_model(self, tiering: Tiering) -> Sender:
        """A sender sharing this one's client and rate limit, for a model with other tier
        support (the speech model takes none)."""
        return Sender(
            self.client,
            limiter=self._limiter,
            retry=self.retry,
            timeout_s=self.timeout_s,
            sleep=self.sleep,
            clock=self._clock,
            tiering=tiering,
            metrics=self._metrics,
        )

    async def send(self, request: dict[str, Any], tier: ServiceTier) -> Interaction:
        """``request`` (``interactions.create`` keyword arguments) on ``tier`` if the model
        takes tiers, falling back from a dropped or too slow flex attempt to standard."""
        if tier is ServiceTier.FLEX and self._tiering.supported:
            flex = await self._try_flex(request)
            if flex is not None:
                return flex

        async def standard(attempt: int) -> Interaction:
            return await self._once(request, self.timeout_s, attempt)

        return await with_retries(
            standard,
            self.retry,
            self.sleep,
            what="request",
            clock=self._clock,
            on_fault=self._on_fault,
        )

    def billed(self, interaction: Interaction) -> Usage:
        """What an answer cost, counted in the token metrics."""
        usage = usage_of(interaction)
        self._metrics.gemini_tokens(usage)
        return usage

    def judged(self, judge: Callable[[], T | None]) -> T | None:
        """``judge()``'s verdict on an answer (a value, None for nothing usable, or a
        truncation or refusal raised), counted in the request metrics."""
        try:
            value = judge()
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

    async def _try_flex(self, request: dict[str, Any]) -> Interaction | None:
        """One flex attempt; None when it was dropped or ran past its bound."""
        flexed = {**request, "service_tier": ServiceTier.FLEX.value}
        try:
            return await self._once(flexed, self._tiering.flex_timeout_s, 1)
        except Exception as error:
            signal = classify(error, self._clock())
            self._on_fault(signal)
            if not isinstance(signal, Retryable):
                raise signal from None
            log.info("gemini flex request not served (%s); sending it on standard", signal.reason)
            return None

    async def _once(self, request: dict[str, Any], timeout_s: float, attempt: int) -> Interaction:
        waited = await self._limiter.acquire()
        started = time.monotonic()
        async with asyncio.timeout(timeout_s + 5):
            result: Interaction = await self.client.create_interaction(
                **request, store=False, timeout=timeout_s
            )
        log.info(
            "gemini request ok: status=%s tier=%s elapsed=%.2fs ratelimit_wait=%.2fs attempt=%d",
            result.status,
            served_tier(result),
            time.monotonic() - started,
            waited,
            attempt,
        )
        return result
