"""Gemini's request rate limit, shared by every bot process through the database.

``GEMINI_REQUESTS_PER_MINUTE`` is a budget for the whole bot, as Gemini's own limits are per
project and model: two processes pacing themselves apart would together send twice the
rate. :class:`SharedRateLimiter` takes each request's slot from storage
(:meth:`bot.storage.Storage.take_rate_slot`), so all processes on one database draw on one
sliding window. Within a process its waiters queue in arrival order (one lock), so only the
first of them asks the database while the window is full.

Gemini counts a request when it arrives, the limiter when its slot is taken: between the two
lie the request's encoding (the inline audio's base64 and JSON) and its upload. Two slots
taken 60 s apart can therefore arrive less than 60 s apart, and a window that is full by the
slots' clock can hold one request too many by Gemini's. So a slot holds its place for
``SLOT_HOLD_S``, the minute plus ``ARRIVAL_MARGIN_S``: as long as every request arrives
within the margin after its slot was taken, no minute of arrivals holds more than the limit
(the arrivals of any minute took their slots within the minute and the margin before it).
The price is a rate of ``per_minute`` per 65 s instead of 60 s once the limit binds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from bot.storage.ports import RateSlots

RATE_WINDOW_S = 60.0
# The longest we expect from taking a slot to the request's arrival at Gemini: encoding and
# uploading an inline chunk of a few MB over a modest uplink, on a busy event loop.
ARRIVAL_MARGIN_S = 5.0
SLOT_HOLD_S = RATE_WINDOW_S + ARRIVAL_MARGIN_S


class SharedRateLimiter:
    """At most ``per_minute`` acquisitions in any sliding ``SLOT_HOLD_S``, so at most that
    many arrivals at Gemini in any minute, across every process that shares ``slots`` and
    ``bucket`` (a :class:`bot.gemini.RequestLimiter`)."""

    def __init__(
        self,
        slots: RateSlots,
        per_minute: int,
        *,
        bucket: str,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self._slots = slots
        self._limit = per_minute
        self.bucket = bucket
        self._sleep = sleep
        self._lock = asyncio.Lock()

    @property
    def per_minute(self) -> int:
        """The configured limit."""
        return self._limit

    async def acquire(self) -> float:
        """Wait for a slot; returns the seconds spent waiting (for logs)."""
        waited = 0.0
        async with self._lock:
            while True:
                wait = await self._slots.take_rate_slot(
                    self.bucket, limit=self._limit, window_s=SLOT_HOLD_S
                )
                if wait <= 0:
                    return waited
                waited += wait
                await self._sleep(wait)


def gemini_bucket(model: str) -> str:
    """The slots' bucket for requests to ``model`` (Gemini limits each model apart)."""
    return f"gemini-requests:{model}"
