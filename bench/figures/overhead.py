"""Overhead per voice note: MESSAGE_CREATE to the reply posted, minus the fake Gemini's
latency, against a bare ffmpeg probe and remux of the same file (the least any bot must do
to the audio). Notes go one at a time, each with its own bytes (no cached result) and once
the one before is finished (its ✅); a first note warms the bot up and is not counted.
Target: at most 2x the bare ffmpeg work, and under 100 ms, for a 30-second note."""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

from bench.inputs import Inputs
from bench.sizes import Sizes
from bench.table import Row, judged
from bench.world import open_world
from testkit.audio import ffmpeg_exe

NOTE_S = 30.0


async def bare_probe_and_remux(source: Path, out_dir: Path) -> float:
    """``ffmpeg -i note`` (the probe) then ``ffmpeg -i note -c copy out``, timed."""
    base = (ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", str(source))
    started = time.monotonic()
    for extra in ((), ("-map", "0:a:0", "-c", "copy", str(out_dir / "remux.ogg"))):
        process = await asyncio.create_subprocess_exec(
            *base, *extra, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
        )
        await process.wait()
    return time.monotonic() - started


async def run(inputs: Inputs, sizes: Sizes, tmp: Path) -> list[Row]:
    """The overhead figure's rows."""
    notes = inputs.distinct(NOTE_S, sizes.overhead_notes + 1)
    source = inputs.note(NOTE_S)
    latency = sizes.overhead_latency_s
    ours: list[float] = []
    bare: list[float] = []
    async with open_world(tmp, latency_s=latency) as world:
        await world.start_bot(job_concurrency=1)
        for index, data in enumerate(notes):
            bare.append(await bare_probe_and_remux(source, tmp))
            note = await world.post(data)
            await world.wait_replies([note], timeout=60)
            await world.wait_finished([note], timeout=60)
            if index:  # the first note warms the bot up
                ours.append(world.replied[note.id] - world.posted[note.id] - latency)
    mine, theirs = statistics.median(ours), statistics.median(bare[1:])
    judge = not sizes.smoke
    return [
        judged(
            "overhead per 30-s voice note (median)",
            f"{mine * 1000:.0f} ms = {mine / theirs:.2f}x bare ffmpeg ({theirs * 1000:.0f} ms)",
            "<= 2x and < 100 ms",
            mine <= 2 * theirs and mine < 0.1,
            judge=judge,
        )
    ]
