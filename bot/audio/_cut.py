"""Cutting prepared audio: a time range, or chunks that end in pauses.

Both go through ffmpeg's segment muxer, which cuts at packet boundaries and writes the exact
start and end of every piece to a CSV list: the offsets handed back are what ffmpeg actually
cut, not what was asked for. Compressed inputs are stream-copied (an Opus packet is 20 ms,
so a copy cut lands within a packet of the request and costs no re-encode); anything else
is re-encoded to the same compact Opus the normaliser produces.
"""

from __future__ import annotations

import asyncio
import csv
import math
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path

from bot.audio._ffmpeg import AudioTools, file_arg, run_ffmpeg
from bot.audio._probe import INPUT_GUARDS, decode_timeout_s, silence_verdict
from bot.audio._types import CONTAINERS, OPUS_ARGS, AudioChunk, Container, PreparedAudio
from bot.errors import AudioToolError, InvalidOptions
from bot.timecodes import format_timecode

MIN_SILENCE_S = 0.3
SILENCE_FILTER = f"silencedetect=noise=-35dB:d={MIN_SILENCE_S}"
SEARCH_FRACTION = 0.25  # each cut's search window is a quarter of a chunk long...
MAX_SEARCH_S = 30.0  # ...but never more than 30 s: each second searched is decoded


@dataclass(frozen=True)
class Silence:
    """A pause found by silencedetect, in seconds from the start."""

    start_s: float
    end_s: float


@dataclass(frozen=True)
class _Piece:
    path: Path
    start_s: float
    end_s: float


def _segment_args(
    audio: PreparedAudio, cuts: list[float], stop_s: float | None, copy: Container | None
) -> list[str]:
    """ffmpeg's segment muxer over ``audio``: stream copy into ``copy``'s container, or a
    re-encode to Opus; the list of pieces goes to ``segments.csv`` (names are relative)."""
    muxer, ext = (copy.muxer, copy.extension) if copy else ("ogg", ".ogg")
    codec = ["-c:a", "copy"] if copy else list(OPUS_ARGS)
    where = (
        ["-segment_times", ",".join(f"{t:.3f}" for t in cuts)]
        if cuts
        else ["-segment_time", "1000000000"]
    )
    limit = ["-t", f"{stop_s:.3f}"] if stop_s is not None else []
    source = ["-i", file_arg(audio.path.resolve()), "-map", "0:a:0"]
    output = ["-map_metadata", "-1", "-f", "segment", "-segment_format", muxer, *where]
    listing = ["-segment_list", "file:segments.csv", "-segment_list_type", "csv"]
    pattern = f"file:part-%04d{ext}"
    reset = ["-reset_timestamps", "1"]
    return [*INPUT_GUARDS, *limit, *source, *codec, *output, *reset, *listing, pattern]


async def _segment(
    audio: PreparedAudio,
    cuts: list[float],
    workdir: Path,
    tools: AudioTools,
    *,
    stop_s: float | None,
) -> tuple[list[_Piece], bool]:
    """Cut ``audio`` at ``cuts`` (and stop reading at ``stop_s``); returns the pieces and
    whether they were re-encoded. Output goes to a fresh directory inside ``workdir``."""
    outdir = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="cut-", dir=workdir))
    copy = CONTAINERS.get(audio.mime_type)
    args = _segment_args(audio, cuts, stop_s, copy)
    # Relative names and cwd=outdir: a '%' in the configured work dir can't reach the pattern.
    run = await run_ffmpeg(tools, args, timeout_s=decode_timeout_s(audio.duration_s), cwd=outdir)
    pieces = await asyncio.to_thread(_read_segment_list, outdir)
    if not run.ok or not pieces:
        raise AudioToolError("Cutting the audio failed.")
    return pieces, copy is None


def _read_segment_list(outdir: Path) -> list[_Piece]:
    listing = outdir / "segments.csv"
    if not listing.exists():
        return []
    with listing.open(newline="") as handle:
        rows = [row for row in csv.reader(handle) if len(row) >= 3]
    return [
        _Piece(outdir / name.removeprefix("file:"), float(start), float(end))
        for name, start, end in (row[:3] for row in rows)
    ]


def _check_range(start_s: float, end_s: float | None, duration_s: float) -> None:
    if start_s < 0:
        raise InvalidOptions("The start time can't be negative.")
    if start_s >= duration_s:
        raise InvalidOptions(
            f"The start time ({format_timecode(start_s)}) is at or past the end of the audio "
            f"({format_timecode(duration_s)})."
        )
    if end_s is not None and end_s <= start_s:
        raise InvalidOptions(
            f"The end time ({format_timecode(end_s)}) must be after the start time "
            f"({format_timecode(start_s)})."
        )


async def cut_range(
    audio: PreparedAudio, start_s: float, end_s: float | None, workdir: Path, tools: AudioTools
) -> PreparedAudio:
    """The part of ``audio`` from ``start_s`` to ``end_s`` (None: to the end), cut locally.

    Raises InvalidOptions when the range is empty or starts past the end. The result's
    ``offset_s`` is where the cut really starts in the original (within a packet of
    ``start_s``); a range covering everything returns ``audio`` itself.
    """
    _check_range(start_s, end_s, audio.duration_s)
    stop = end_s if end_s is not None and end_s < audio.duration_s else None
    if start_s <= 0 and stop is None:
        return audio
    cuts = [start_s] if start_s > 0 else []
    pieces, reencoded = await _segment(audio, cuts, workdir, tools, stop_s=stop)
    if len(pieces) < len(cuts) + 1:
        raise InvalidOptions(
            f"The start time ({format_timecode(start_s)}) is past the end of the audio."
        )
    wanted = pieces[-1]
    await asyncio.to_thread(_remove_others, pieces, wanted)
    duration = wanted.end_s - wanted.start_s
    silent = audio.is_digital_silence or await silence_verdict(wanted.path, duration, tools)
    return replace(
        audio,
        path=wanted.path,
        mime_type="audio/ogg" if reencoded else audio.mime_type,
        duration_s=duration,
        size_bytes=wanted.path.stat().st_size,
        transcoded=audio.transcoded or reencoded,
        is_digital_silence=silent,
        offset_s=audio.offset_s + wanted.start_s,
    )


def _remove_others(pieces: list[_Piece], keep: _Piece) -> None:
    for piece in pieces:
        if piece is not keep:
            piece.path.unlink(missing_ok=True)  # a prefix copy we don't need: free the disk


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


async def split_at_silences(
    audio: PreparedAudio, chunk_s: float, workdir: Path, tools: AudioTools
) -> list[AudioChunk]:
    """Chunks of at most ``chunk_s`` seconds, cut inside pauses where possible.

    Only the search window of each planned cut is decoded, all windows in one ffmpeg run (a
    100-minute file in 10-minute chunks decodes 10 windows of 30 s, not 100 minutes); the
    cut itself is a stream copy. Offsets and durations are the ones ffmpeg reports for what
    it cut, so they tile the whole file and the caller can turn chunk-relative times into
    absolute ones.
    """
    if audio.duration_s <= chunk_s:
        return [AudioChunk(audio.path, audio.mime_type, 0.0, audio.duration_s)]

    async def silences_in(windows: list[Window]) -> list[list[Silence]]:
        return await find_silences_in(audio.path, tools, windows)

    cuts = await plan_cuts(audio.duration_s, chunk_s, silences_in)
    pieces, reencoded = await _segment(audio, cuts, workdir, tools, stop_s=None)
    mime = "audio/ogg" if reencoded else audio.mime_type
    return [
        AudioChunk(piece.path, mime, piece.start_s, piece.end_s - piece.start_s) for piece in pieces
    ]
