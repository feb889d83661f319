"""Waiting for a condition that something else makes true (never a fixed sleep)."""

# Test helpers take an explicit timeout like asyncio.wait_for; that is the API.

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable

from bot.storage.ports import JobQueue
from testkit.discord.waiting import poll_until

__all__ = ["poll_until", "wait_for_async", "wait_jobs_final", "wait_no_unfinished_jobs"]


async def wait_for_async(
    predicate: Callable[[], Awaitable[object]],
    *,
    timeout: float = 20.0,
    interval: float = 0.02,
    what: str = "condition",
) -> None:
    """Wait until ``await predicate()`` is truthy; TimeoutError naming ``what`` otherwise."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await predicate():
        if loop.time() >= deadline:
            raise TimeoutError(f"timed out after {timeout:.1f}s waiting for {what}")
        await asyncio.sleep(interval)


async def wait_jobs_final(store: JobQueue, ids: Iterable[int], timeout: float = 60.0) -> None:
    """Until every job in ``ids`` reached a final status."""
    wanted = list(ids)

    async def all_final() -> bool:
        jobs = [await store.get_job(job_id) for job_id in wanted]
        return all(job is not None and job.status.is_final for job in jobs)

    await wait_for_async(all_final, timeout=timeout, what=f"jobs {wanted} to finish")


async def wait_no_unfinished_jobs(store: JobQueue, timeout: float = 20.0) -> None:
    """Until no job is queued, running or delivering."""

    async def idle() -> bool:
        return not await store.unfinished_jobs()

    await wait_for_async(idle, timeout=timeout, what="no unfinished jobs")
