"""Memory: the bot's resident set while it handles a 1-minute note, then a 2-hour one (in
10-minute parts): the peak grows by at most 50 MB. Audio streams through ffmpeg and disk;
Python holds at most a few parts' bytes at once (inline base64 of the parts in flight)."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from bench.inputs import Inputs
from bench.sizes import Sizes
from bench.table import Row, judged
from bench.world import BenchWorld, RunningBot, open_world

LIMIT_MB = 50.0


async def handle(world: BenchWorld, bot: RunningBot, data: bytes, timeout: float) -> float:
    """Post one note and wait until it is finished; the highest RSS seen meanwhile (MB)."""
    highest = bot.process.memory().rss_mb

    async def watch() -> None:
        nonlocal highest
        while True:
            highest = max(highest, bot.process.memory().rss_mb)
            await asyncio.sleep(0.1)

    watcher = asyncio.create_task(watch())
    try:
        note = await world.post(data)
        await world.wait_replies([note], timeout=timeout)
        await world.wait_finished([note], timeout=timeout)
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
    return highest


async def run(inputs: Inputs, sizes: Sizes, tmp: Path) -> list[Row]:
    """The memory figure's rows."""
    short = inputs.note(60.0).read_bytes()
    long = inputs.note(sizes.memory_long_s).read_bytes()
    async with open_world(tmp, latency_s=0.2) as world:
        bot = await world.start_bot(chunk_seconds=sizes.memory_chunk_s)
        seen_short = await handle(world, bot, short, timeout=120)
        peak_short = bot.process.memory().peak_mb
        seen_long = await handle(world, bot, long, timeout=1200)
        peak_long = bot.process.memory().peak_mb
    growth = peak_long - peak_short
    long_label = (
        f"{sizes.memory_long_s / 3600:g}-h"
        if sizes.memory_long_s >= 3600
        else (f"{sizes.memory_long_s / 60:g}-min")
    )
    return [
        judged(
            f"memory: peak RSS, 1-min note then {long_label} note",
            f"{peak_short:.0f} MB -> {peak_long:.0f} MB (+{growth:.1f} MB; "
            f"highest sampled {seen_short:.0f} / {seen_long:.0f} MB)",
            f"growth <= {LIMIT_MB:.0f} MB",
            growth <= LIMIT_MB,
            judge=not sizes.smoke,
        )
    ]
