"""How late the event loop runs: the lag of a short timer, sampled all the time.

Everything in the bot shares one event loop; CPU work on it (decoding, hashing, encoding
audio) would delay every gateway heartbeat, reply and job. The monitor sleeps
``interval_s`` again and again and records how much later than asked it woke up
(``voicenotes_event_loop_lag_seconds``): a blocked loop shows as a long tail.
"""

from __future__ import annotations

import asyncio
import contextlib

from bot.metrics import Metrics

INTERVAL_S = 0.05


class LoopLagMonitor:
    """Samples the event loop's lag into ``metrics`` until stopped."""

    def __init__(self, metrics: Metrics, *, interval_s: float = INTERVAL_S) -> None:
        self._metrics = metrics
        self._interval_s = interval_s
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start sampling (in the running loop)."""
        self._task = asyncio.create_task(self._sample(), name="event-loop-lag")

    async def stop(self) -> None:
        """Stop sampling."""
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _sample(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            await asyncio.sleep(self._interval_s)
            self._metrics.loop_lag(loop.time() - started - self._interval_s)
