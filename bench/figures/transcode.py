"""Transcode: a file the bot must re-encode (a 2-hour 128 kb/s stereo MP3, a podcast) goes
through ``prepare_audio`` in at most 1.2x one bare ffmpeg transcode of it to the same target
(the bot's own Opus settings): probing and validating add little to the encode itself.
Best of two each, alternating, so a busy patch of the machine weighs on both alike."""

from __future__ import annotations

import time
from pathlib import Path

from bench.figures.long_files import LIMITS, timed_ffmpeg
from bench.inputs import Inputs
from bench.sizes import Sizes
from bench.table import Row, judged
from bot.audio import job_workspace, locate_audio_tools, prepare_audio
from bot.audio._types import OPUS_ARGS

REPEAT = 2


async def prepare_s(source: Path, tmp: Path) -> tuple[float, bool]:
    """One ``prepare_audio`` in a fresh job workspace, timed; whether it transcoded."""
    async with job_workspace(tmp) as workdir:
        started = time.monotonic()
        prepared = await prepare_audio(source, workdir, LIMITS, locate_audio_tools())
        return time.monotonic() - started, prepared.transcoded


async def run(inputs: Inputs, sizes: Sizes, tmp: Path) -> list[Row]:
    """The transcode figure's row."""
    source = inputs.mp3(sizes.transcode_s)
    bare = ours = float("inf")
    transcoded = True
    for _ in range(REPEAT):
        target = str(tmp / "bare.ogg")
        bare = min(bare, await timed_ffmpeg("-i", str(source), "-map", "0:a:0", *OPUS_ARGS, target))
        elapsed, did = await prepare_s(source, tmp)
        ours, transcoded = min(ours, elapsed), transcoded and did
    return [
        judged(
            f"transcode {sizes.transcode_s / 60:g}-min stereo MP3: prepare_audio vs bare ffmpeg",
            f"{ours:.1f} s = {ours / bare:.2f}x bare {bare:.1f} s",
            "<= 1.2x",
            transcoded and ours <= 1.2 * bare,
            judge=not sizes.smoke,
        )
    ]
