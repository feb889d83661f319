"""Long files: a 100-minute Opus note, in 10-minute parts; its own overhead (the time from
the post to the reply, less the time at least one request was at Gemini) at most 5x a bare
remux of it. And ``split_at_silences`` on the same file against the whole-file decode it
replaced (silencedetect over all 100 minutes), in this process."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bench.inputs import Inputs
from bench.sizes import Sizes
from bench.table import Row, judged
from bench.world import open_world
from bot.audio import (
    AudioLimits,
    job_workspace,
    locate_audio_tools,
    prepare_audio,
    split_at_silences,
)
from testkit.audio import ffmpeg_exe

LIMITS = AudioLimits(
    min_duration_s=0.3, max_duration_s=34200, max_bytes=200 << 20, probe_timeout_s=120
)
SILENCE_FILTER = "silencedetect=noise=-35dB:d=0.3"


async def timed_ffmpeg(*args: str) -> float:
    """One quiet ffmpeg run, timed."""
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        ffmpeg_exe(),
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-y",
        *args,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    await process.wait()
    return time.monotonic() - started


async def split_rows(source: Path, chunk_s: float, tmp: Path, judge: bool) -> Row:
    """split_at_silences against one decode of the whole file (the former way)."""
    tools = locate_audio_tools()
    whole = await timed_ffmpeg(
        "-i", str(source), "-map", "0:a:0", "-af", SILENCE_FILTER, "-f", "null", "-"
    )
    async with job_workspace(tmp) as workdir:
        audio = await prepare_audio(source, workdir, LIMITS, tools)
        started = time.monotonic()
        chunks = await split_at_silences(audio, chunk_s, workdir, tools)
        windowed = time.monotonic() - started
    return judged(
        f"split_at_silences, {audio.duration_s / 60:.3g}-min Opus, {len(chunks)} parts",
        f"{windowed:.2f} s vs whole-file decode {whole:.2f} s = {windowed / whole:.2f}x",
        "<= 0.25x",
        windowed <= 0.25 * whole,
        judge=judge,
    )


async def run(inputs: Inputs, sizes: Sizes, tmp: Path) -> list[Row]:
    """The long-file figure's rows."""
    source = inputs.note(sizes.long_file_s)
    remux = min(
        [
            await timed_ffmpeg("-i", str(source), "-c", "copy", str(tmp / "remux.ogg"))
            for _ in range(2)
        ]
    )
    async with open_world(tmp, latency_s=1.0) as world:
        await world.start_bot(chunk_seconds=sizes.long_chunk_s)
        note = await world.post(source.read_bytes())
        await world.wait_replies([note], timeout=1200)
        total = world.replied[note.id] - world.posted[note.id]
        at_gemini = world.latency.busy_s(world.posted[note.id])
    own = total - at_gemini
    minutes = sizes.long_file_s / 60
    return [
        judged(
            f"long file {minutes:g} min: own overhead (all but Gemini) vs a bare remux",
            f"{own:.1f} s = {own / remux:.2f}x remux {remux:.2f} s (total {total:.1f} s)",
            "<= 5x",
            own <= 5 * remux,
            judge=not sizes.smoke,
        ),
        await split_rows(source, sizes.long_chunk_s, tmp, not sizes.smoke),
    ]
