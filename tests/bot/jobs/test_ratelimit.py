"""GEMINI_REQUESTS_PER_MINUTE is one budget for every process sharing the database."""

from __future__ import annotations

import asyncio

from bot.jobs import ARRIVAL_MARGIN_S, SharedRateLimiter, gemini_bucket
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
    # three per sliding minute and margin, whichever process asks
    hold = 60.0 + ARRIVAL_MARGIN_S
    assert taken == [0.0, 0.0, 0.0, hold, hold, hold, 2 * hold]
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
    hold = 60.0 + ARRIVAL_MARGIN_S
    assert sleep.waits == [hold, hold, hold]  # only the head of the line asked each time


async def test_requests_arriving_late_never_put_more_than_the_limit_in_a_minute(
    storage: Storage, clock: FakeClock
) -> None:
    """Gemini counts arrivals: a request whose slot was taken early but which arrives late
    (its upload took the margin) shares no minute with more than the limit of others."""
    sleep = ClockSleep(clock)
    limiter = SharedRateLimiter(storage, 2, bucket="b", sleep=sleep)
    started = clock.now
    arrivals = []
    for delay in (ARRIVAL_MARGIN_S, ARRIVAL_MARGIN_S, 0.0, 0.0, ARRIVAL_MARGIN_S, 0.0):
        await limiter.acquire()
        arrivals.append((clock.now - started).total_seconds() + delay)
    arrivals.sort()
    busiest = max(sum(1 for a in arrivals if t <= a < t + 60.0) for t in arrivals)
    assert busiest == 2
