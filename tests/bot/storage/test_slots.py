"""Request slots (migration 6): one sliding window per bucket, shared by every process on
the database, never over its limit even when processes take slots at the same moment."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.storage import Storage
from tests.helpers.clocks import FakeClock

BUCKET = "gemini-requests:gemini-3.5-flash"


async def test_slots_fill_the_window_then_free_as_the_oldest_leave(
    storage: Storage, clock: FakeClock
) -> None:
    assert await storage.take_rate_slot(BUCKET, limit=2, window_s=60) == 0.0
    clock.advance(10)
    assert await storage.take_rate_slot(BUCKET, limit=2, window_s=60) == 0.0
    clock.advance(5)
    # full: the oldest slot (taken 15 s ago) leaves in 45 s
    assert await storage.take_rate_slot(BUCKET, limit=2, window_s=60) == pytest.approx(45.0)
    assert await storage.take_rate_slot("another-bucket", limit=2, window_s=60) == 0.0
    window = await storage.rate_window(BUCKET, window_s=60)
    assert window.used == 2
    assert window.oldest_leaves_at == clock.now + timedelta(seconds=45)
    clock.advance(45)
    assert await storage.take_rate_slot(BUCKET, limit=2, window_s=60) == 0.0
    assert (await storage.rate_window(BUCKET, window_s=60)).used == 2


async def test_an_empty_window(storage: Storage) -> None:
    window = await storage.rate_window(BUCKET, window_s=60)
    assert (window.used, window.oldest_leaves_at) == (0, None)


async def test_processes_taking_slots_at_once_never_pass_the_limit(
    storage_url: str, clock: FakeClock
) -> None:
    processes = [await Storage.open(storage_url, clock=clock) for _ in range(2)]
    try:
        waits = await asyncio.gather(
            *(
                processes[index % 2].take_rate_slot(BUCKET, limit=5, window_s=60)
                for index in range(16)
            )
        )
    finally:
        for process in processes:
            await process.close()
    assert sorted(waits)[:5] == [0.0] * 5
    assert all(wait == pytest.approx(60.0) for wait in sorted(waits)[5:])
