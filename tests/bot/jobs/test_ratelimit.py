"""GEMINI_REQUESTS_PER_MINUTE is one budget for every process sharing the database."""

from __future__ import annotations

import asyncio

from bot.jobs import SharedRateLimiter, gemini_bucket
from bot.storage import Storage
from tests.helpers.clocks import FakeClock


class ClockSleep:
    """A sleep that moves the test's clock instead of waiting, and records the waits."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.clock.advance(seconds)
        await asyncio.sleep(0)


async def test_two_processes_share_one_limit(storage_url: str, clock: FakeClock) -> None:
    sleep = ClockSleep(clock)
    stores = [await Storage.open(storage_url, clock=clock) for _ in range(2)]
    try:
        bucket = gemini_bucket("gemini-3.5-flash")
        limiters = [SharedRateLimiter(s, 3, bucket=bucket, sleep=sleep) for s in stores]
        started = clock.now
        taken = []
        for index in range(7):
            await limiters[index % 2].acquire()
            taken.append((clock.now - started).total_seconds())
    finally:
        for store in stores:
            await store.close()
    # three per sliding minute, whichever process asks: 0, 0, 0, then 60, 60, 60, then 120
    assert taken == [0.0, 0.0, 0.0, 60.0, 60.0, 60.0, 120.0]
    assert limiters[0].per_minute == 3


async def test_waiters_in_one_process_queue_in_order(storage: Storage, clock: FakeClock) -> None:
    sleep = ClockSleep(clock)
    limiter = SharedRateLimiter(storage, 1, bucket="b", sleep=sleep)
    order: list[int] = []

    async def ask(index: int) -> None:
        await limiter.acquire()
        order.append(index)

    await asyncio.gather(*(ask(index) for index in range(4)))
    assert order == [0, 1, 2, 3]
    assert sleep.waits == [60.0, 60.0, 60.0]  # only the head of the line asked each time
