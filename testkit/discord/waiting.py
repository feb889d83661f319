"""Polling helper shared by the scenario API."""

# Test helpers take an explicit timeout like asyncio.wait_for; that is the API.

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def poll_until(
    predicate: Callable[[], object],
    *,
    timeout: float = 10.0,
    interval: float = 0.01,
    what: str = "condition",
) -> None:
    """Wait until ``predicate()`` is truthy; ``TimeoutError`` naming ``what`` otherwise."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() >= deadline:
            raise TimeoutError(f"timed out after {timeout:.1f}s waiting for {what}")
        await asyncio.sleep(interval)
