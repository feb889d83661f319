"""A self-imposed request rate limit, so a burst of notes queues instead of causing 429 storms.

:class:`RateLimiter` paces one process (the CLI); the bot shares one limit between all its
processes through the database (:class:`bot.jobs.SharedRateLimiter`).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Protocol


class RequestLimiter(Protocol):
    """What paces Gemini requests: this process's :class:`RateLimiter`, or one shared by
    every process through the database (:class:`bot.jobs.SharedRateLimiter`)."""

    @property
    def per_minute(self) -> int:
        """The configured limit."""

    async def acquire(self) -> float:
        """Wait for a slot; returns the seconds spent waiting."""


class RateLimiter:
    """At most ``per_minute`` acquisitions in any sliding 60-second window.

    Waiters are served in arrival order (one lock), which keeps the limiter fair between the
    jobs sharing it.
    """

    def __init__(
        self,
        per_minute: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        window_s: float = 60.0,
    ) -> None:
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self._limit = per_minute
        self._window = window_s
        self._clock = clock
        self._sleep = sleep
        self._stamps: deque[float] = deque()
        self._lock = asyncio.Lock()

    @property
    def per_minute(self) -> int:
        """The configured limit."""
        return self._limit

    def _forget_old(self, now: float) -> None:
        while self._stamps and now - self._stamps[0] >= self._window:
            self._stamps.popleft()

    async def acquire(self) -> float:
        """Wait for a slot; returns the seconds spent waiting (for logs and metrics)."""
        waited = 0.0
        async with self._lock:
            while True:
                now = self._clock()
                self._forget_old(now)
                if len(self._stamps) < self._limit:
                    self._stamps.append(now)
                    return waited
                delay = self._window - (now - self._stamps[0])
                waited += delay
                await self._sleep(delay)
