"""Benchmark: prepare_audio against bare ffmpeg on the same files, in the same run.

    python -m bench.bench_normalize [--repeat N] [--long-repeat N] [--cache DIR] [--ffmpeg EXE]

Inputs (generated once and cached): a 60 s Discord-style voice note (speech, 48 kHz mono
Opus 32 kb/s), the same looped to 2 h, and a 2 h 128 kb/s stereo MP3 of the same speech (the
transcode path). Each prepare_audio run starts from a fresh job workspace. Targets:

* a Discord voice note: at most 2x a bare ``ffmpeg -i in -c copy out`` remux;
* a file that must be transcoded: at most 1.2x one bare ffmpeg transcode to the same target;
* this Python process's peak RSS grows by at most 50 MB from the 1-minute to the 2-hour runs
  (the audio streams through ffmpeg; Python never holds it).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.audio import (
    AudioLimits,
    AudioTools,
    PreparedAudio,
    job_workspace,
    locate_audio_tools,
    prepare_audio,
)
from bot.audio._types import OPUS_ARGS
from testkit.audio import DISCORD_OPUS_ARGS, run_ffmpeg_sync, speech_wav

SPEECH = (
    "Hi, it's me. I'm calling about the meeting tomorrow morning. "
    "Could you bring the report and the slides? Thanks, talk soon."
)
LIMITS = AudioLimits(
    min_duration_s=0.3,
    max_duration_s=9.5 * 3600,
    max_bytes=200 * 1024 * 1024,
    probe_timeout_s=60.0,
)
RSS_GROWTH_LIMIT_MB = 50.0


@dataclass(frozen=True)
class Inputs:
    """The benchmark's input files."""

    note_1min: Path
    note_2h: Path
    mp3_2h: Path


@dataclass(frozen=True)
class Row:
    """One line of the result table."""

    name: str
    ours_s: float
    baseline_name: str
    baseline_s: float
    target_ratio: float
    action: str

    @property
    def ratio(self) -> float:
        """prepare_audio time over the baseline's."""
        return self.ours_s / self.baseline_s

    @property
    def passed(self) -> bool:
        """Whether the ratio meets the target."""
        return self.ratio <= self.target_ratio


def make_inputs(cache: Path) -> Inputs:
    """Generate (once) the inputs. Long files loop the short ones with a stream copy, which
    takes a second instead of minutes of encoding and yields equally valid streams."""
    cache.mkdir(parents=True, exist_ok=True)
    inputs = Inputs(cache / "note-1min.ogg", cache / "note-2h.ogg", cache / "speech-2h.mp3")
    if all(path.exists() for path in (inputs.note_1min, inputs.note_2h, inputs.mp3_2h)):
        return inputs
    print(f"generating inputs in {cache} ...", flush=True)
    speech = speech_wav(cache / "speech.wav", SPEECH)
    loop = ("-stream_loop", "-1", "-i")
    run_ffmpeg_sync(*loop, str(speech), "-t", "60", *DISCORD_OPUS_ARGS, str(inputs.note_1min))
    mp3_1min = cache / "speech-1min.mp3"
    run_ffmpeg_sync(
        "-i",
        str(inputs.note_1min),
        "-c:a",
        "libmp3lame",
        "-b:a",
        "128k",
        "-ac",
        "2",
        "-ar",
        "44100",
        str(mp3_1min),
    )
    run_ffmpeg_sync(*loop, str(inputs.note_1min), "-c", "copy", "-t", "7200", str(inputs.note_2h))
    run_ffmpeg_sync(*loop, str(mp3_1min), "-c", "copy", "-t", "7200", str(inputs.mp3_2h))
    return inputs


def _ffmpeg(tools: AudioTools, args: Sequence[str]) -> None:
    argv = [tools.ffmpeg, "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-y"]
    subprocess.run([*argv, *args], check=True, capture_output=True)


def bare_remux(tools: AudioTools, source: Path, out_dir: Path) -> None:
    """``ffmpeg -i in -c copy out`` into the same container."""
    _ffmpeg(tools, ["-i", str(source), "-c", "copy", str(out_dir / f"remux{source.suffix}")])


def bare_transcode(tools: AudioTools, source: Path, out_dir: Path) -> None:
    """One plain transcode to the pipeline's target format (same encoder settings)."""
    _ffmpeg(tools, ["-i", str(source), "-map", "0:a:0", *OPUS_ARGS, str(out_dir / "t.ogg")])


async def prepare_once(source: Path, tools: AudioTools, root: Path) -> tuple[float, PreparedAudio]:
    """One prepare_audio in a fresh job workspace, timed."""
    async with job_workspace(root) as workdir:
        started = time.perf_counter()
        prepared = await prepare_audio(source, workdir, LIMITS, tools)
        return time.perf_counter() - started, prepared


async def interleaved(
    repeat: int, baseline: Callable[[], object], source: Path, tools: AudioTools, root: Path
) -> tuple[float, float, PreparedAudio]:
    """Best of ``repeat`` for the baseline and for prepare_audio, alternating, so that a busy
    patch of the machine weighs on both alike. The baseline blocks the loop on purpose:
    nothing else runs, and a bare subprocess.run is the cheapest possible reference."""
    base = ours = float("inf")
    prepared: PreparedAudio | None = None
    for _ in range(repeat):
        started = time.perf_counter()
        baseline()
        base = min(base, time.perf_counter() - started)
        elapsed, prepared = await prepare_once(source, tools, root)
        ours = min(ours, elapsed)
    assert prepared is not None
    return base, ours, prepared


def peak_rss_mb() -> float:
    """This process's peak resident set size (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _action(prepared: PreparedAudio) -> str:
    if prepared.transcoded:
        return "transcode"
    return "pass-through" if prepared.path.name == "input" else "remux"


async def bench_note(name: str, source: Path, tools: AudioTools, scratch: Path, repeat: int) -> Row:
    """A voice note against a bare remux of itself."""
    remux, ours, prepared = await interleaved(
        repeat, lambda: bare_remux(tools, source, scratch), source, tools, scratch / "jobs"
    )
    return Row(name, ours, "bare remux", remux, 2.0, _action(prepared))


async def bench_transcode(
    name: str, source: Path, tools: AudioTools, scratch: Path, repeat: int
) -> Row:
    """A file on the transcode path against one bare transcode of itself."""
    transcode, ours, prepared = await interleaved(
        repeat, lambda: bare_transcode(tools, source, scratch), source, tools, scratch / "jobs"
    )
    return Row(name, ours, "bare transcode", transcode, 1.2, _action(prepared))


def print_table(rows: list[Row], rss: tuple[float, float]) -> bool:
    """Print the results; True when every target is met."""
    print()
    print(
        f"{'input':<24} {'action':<13} {'prepare_audio':>13} {'baseline':>16} "
        f"{'':>9} {'ratio':>6} {'target':>7}  result"
    )
    for row in rows:
        print(
            f"{row.name:<24} {row.action:<13} {row.ours_s * 1000:>10.0f} ms "
            f"{row.baseline_name:>16} {row.baseline_s * 1000:>6.0f} ms {row.ratio:>6.2f} "
            f"{row.target_ratio:>6.1f}x  {'PASS' if row.passed else 'FAIL'}"
        )
    growth = rss[1] - rss[0]
    rss_ok = growth <= RSS_GROWTH_LIMIT_MB
    print(
        f"\npeak RSS: {rss[0]:.1f} MB after the 1-min runs, {rss[1]:.1f} MB after the 2-h runs "
        f"(growth {growth:+.1f} MB, limit {RSS_GROWTH_LIMIT_MB:.0f} MB)  "
        f"{'PASS' if rss_ok else 'FAIL'}"
    )
    return rss_ok and all(row.passed for row in rows)


async def run(cache: Path, repeat: int, long_repeat: int, ffmpeg: str | None) -> bool:
    """Generate the inputs, run every measurement, print the table."""
    tools = AudioTools(ffmpeg, None) if ffmpeg else locate_audio_tools()
    inputs = make_inputs(cache)
    print(f"ffmpeg: {tools.ffmpeg}; best of {repeat} (2-h transcode: best of {long_repeat})")
    with tempfile.TemporaryDirectory(prefix="bench-normalize-") as tmp:
        scratch = Path(tmp)
        rows = [
            await bench_note("voice note 1 min (opus)", inputs.note_1min, tools, scratch, repeat)
        ]
        rss_short = peak_rss_mb()
        rows.append(
            await bench_note("voice note 2 h (opus)", inputs.note_2h, tools, scratch, repeat)
        )
        rows.append(
            await bench_transcode(
                "podcast 2 h (mp3 stereo)", inputs.mp3_2h, tools, scratch, long_repeat
            )
        )
        rss_long = peak_rss_mb()
    return print_table(rows, (rss_short, rss_long))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: exit status 0 when every target passes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=5, help="runs per short measurement")
    parser.add_argument("--long-repeat", type=int, default=2, help="runs per 2-h transcode")
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "voicenotes-bench",
        help="where generated inputs are kept between runs",
    )
    parser.add_argument("--ffmpeg", help="ffmpeg executable to use (default: as the bot finds it)")
    args = parser.parse_args(argv)
    ok = asyncio.run(run(args.cache, args.repeat, args.long_repeat, args.ffmpeg))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
