"""Where to cut long audio: the pauses near each planned cut, found by ffmpeg's silencedetect.

:func:`search_windows` places one search window per cut, all known before any audio is
decoded; :func:`find_silences_in` decodes only those windows, several per ffmpeg run; and
:func:`plan_cuts` picks the longest pause in each window (a hard cut at its end if none).
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from bot.audio._ffmpeg import AudioTools, file_arg, run_ffmpeg
from bot.audio._probe import INPUT_GUARDS, decode_timeout_s
from bot.errors import AudioToolError

MIN_SILENCE_S = 0.3
SILENCE_FILTER = f"silencedetect=noise=-35dB:d={MIN_SILENCE_S}"
SEARCH_FRACTION = 0.25  # each cut's search window is a quarter of a chunk long...
MAX_SEARCH_S = 30.0  # ...but never more than 30 s: each second searched is decoded


@dataclass(frozen=True)
class Silence:
    """A pause found by silencedetect, in seconds from the start."""

    start_s: float
    end_s: float


Window = tuple[float, float]
"""A stretch of audio to search, as (start, end) in seconds from the start of the file."""

WINDOWS_PER_RUN = 16  # each window is an input of its own: bound the open decoders per run


async def find_silences_in(
    path: Path, tools: AudioTools, windows: list[Window]
) -> list[list[Silence]]:
    """The pauses in each of ``windows`` of the first audio stream, found by ffmpeg's
    silencedetect with only those stretches decoded, several windows per ffmpeg run."""
    found: list[list[Silence]] = []
    for first in range(0, len(windows), WINDOWS_PER_RUN):
        found += await _silences_in_one_run(path, tools, windows[first : first + WINDOWS_PER_RUN])
    return found


async def _silences_in_one_run(
    path: Path, tools: AudioTools, windows: list[Window]
) -> list[list[Silence]]:
    """One ffmpeg run: each window is its own input (``-ss`` seeks it, ``-t`` bounds it,
    so only it is decoded), the concat filter lays them end to end and silencedetect runs
    once over the result; its times are mapped back window by window."""
    lengths = [high - low for low, high in windows]
    source = file_arg(path.resolve())
    inputs = [
        arg
        for low, length in zip((low for low, _ in windows), lengths, strict=True)
        for arg in ("-ss", f"{low:.3f}", "-t", f"{length:.3f}", "-i", source)
    ]
    pads = "".join(f"[{index}:a:0]" for index in range(len(windows)))
    graph = f"{pads}concat=n={len(windows)}:v=0:a=1,{SILENCE_FILTER}"
    args = [*INPUT_GUARDS, *inputs, "-filter_complex", graph, "-f", "null", "-"]
    run = await run_ffmpeg(
        tools, args, timeout_s=decode_timeout_s(sum(lengths)), keep=lambda line: "silence_" in line
    )
    if not run.ok:
        raise AudioToolError("Looking for pauses in the audio failed.")
    return _per_window(parse_silences(run.matched, sum(lengths)), windows)


def _per_window(joined: list[Silence], windows: list[Window]) -> list[list[Silence]]:
    """Pauses of the windows laid end to end, back on the file's own clock. A pause that
    spans the seam of two windows is cut there; a piece shorter than silencedetect's own
    minimum is dropped, as a search of that window alone would not have reported it."""
    found: list[list[Silence]] = []
    seam = 0.0  # where the current window starts in the joined audio
    for low, high in windows:
        length = high - low
        pieces = []
        for silence in joined:
            start, end = max(silence.start_s, seam), min(silence.end_s, seam + length)
            if end - start >= MIN_SILENCE_S:
                pieces.append(Silence(low + start - seam, low + end - seam))
        found.append(pieces)
        seam += length
    return found


def parse_silences(lines: list[str], duration_s: float) -> list[Silence]:
    """Pair ``silence_start: X`` / ``silence_end: Y`` lines; an open pause ends at the end."""
    silences: list[Silence] = []
    start: float | None = None
    for line in lines:
        if "silence_start:" in line:
            start = max(0.0, float(line.split("silence_start:")[1].split()[0]))
        elif "silence_end:" in line and start is not None:
            end = float(line.split("silence_end:")[1].split()[0])
            silences.append(Silence(start, end))
            start = None
    if start is not None:
        silences.append(Silence(start, duration_s))
    return silences


SilencesIn = Callable[[list[Window]], Awaitable[list[list[Silence]]]]
"""The pauses in each of several windows."""


def search_windows(duration_s: float, chunk_s: float) -> list[Window]:
    """Where to look for each cut, all known before any audio is decoded.

    With ``n`` cuts spaced ``s`` apart, the window of cut ``k`` is ``[k*s, k*s + w]``, so
    whichever point of its window each cut lands on, no chunk is longer than ``s + w``;
    ``n`` is the fewest cuts for which ``s + w <= chunk_s``. The windows do not depend on
    one another, so they can all be decoded in one ffmpeg run.
    """
    window = min(chunk_s * SEARCH_FRACTION, MAX_SEARCH_S)
    if duration_s <= chunk_s:
        return []
    cuts = math.ceil((duration_s - chunk_s) / (chunk_s - window))
    spacing = (duration_s - window) / (cuts + 1)
    return [(k * spacing, k * spacing + window) for k in range(1, cuts + 1)]


def _best_cut(silences: list[Silence], low: float, target: float) -> float:
    """The middle of the pause overlapping ``[low, target]`` the most (the later one on a
    tie), or ``target`` itself when none does."""
    best: tuple[float, float] | None = None  # (overlap with the window, cut point)
    for silence in silences:
        start, end = max(silence.start_s, low), min(silence.end_s, target)
        if end <= start:
            continue
        candidate = (end - start, (start + end) / 2)
        if best is None or candidate >= best:
            best = candidate
    return best[1] if best is not None else target


async def plan_cuts(duration_s: float, chunk_s: float, silences_in: SilencesIn) -> list[float]:
    """Cut points so that no chunk is longer than ``chunk_s``, each in the longest pause of
    its :func:`search_windows` window (a hard cut at the window's end if it has none).
    Only those windows are looked at, all in one request to ``silences_in``."""
    windows = search_windows(duration_s, chunk_s)
    if not windows:
        return []
    found = await silences_in(windows)
    return [
        round(_best_cut(silences, low, high), 3)
        for (low, high), silences in zip(windows, found, strict=True)
    ]
