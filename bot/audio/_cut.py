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
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path

from bot.audio._ffmpeg import AudioTools, file_arg, run_ffmpeg
from bot.audio._probe import INPUT_GUARDS, decode_timeout_s, silence_verdict
from bot.audio._types import CONTAINERS, OPUS_ARGS, AudioChunk, Container, PreparedAudio
from bot.errors import AudioToolError, InvalidOptions
from bot.timecodes import format_timecode

SILENCE_FILTER = "silencedetect=noise=-35dB:d=0.3"
SEARCH_FRACTION = 0.25  # look for a pause in the last quarter of each chunk...
MAX_SEARCH_S = 30.0  # ...but never more than 30 s before it: each second searched is decoded


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


async def find_silences(
    path: Path, tools: AudioTools, *, start_s: float, length_s: float
) -> list[Silence]:
    """Pauses in ``length_s`` seconds of the first audio stream from ``start_s`` on, found
    by ffmpeg's silencedetect; only that stretch is decoded (``-ss`` seeks the input)."""
    args = [
        *INPUT_GUARDS,
        *("-ss", f"{start_s:.3f}", "-t", f"{length_s:.3f}"),
        "-i",
        file_arg(path.resolve()),
        *("-map", "0:a:0", "-af", SILENCE_FILTER, "-f", "null", "-"),
    ]
    run = await run_ffmpeg(
        tools, args, timeout_s=decode_timeout_s(length_s), keep=lambda line: "silence_" in line
    )
    if not run.ok:
        raise AudioToolError("Looking for pauses in the audio failed.")
    # Times are counted from where the decoding started.
    found = parse_silences(run.matched, length_s)
    return [Silence(start_s + s.start_s, start_s + s.end_s) for s in found]


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


SilencesBetween = Callable[[float, float], Awaitable[list[Silence]]]
"""The pauses between two times (seconds from the start)."""


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


async def plan_cuts(
    duration_s: float, chunk_s: float, silences_between: SilencesBetween
) -> list[float]:
    """Cut points so that no chunk is longer than ``chunk_s``, each in the longest pause
    found in the window just before its boundary (a hard cut at the boundary if none).
    Only those windows are looked at: one per cut, each counted from the cut before it."""
    window = min(chunk_s * SEARCH_FRACTION, MAX_SEARCH_S)
    cuts: list[float] = []
    position = 0.0
    while duration_s - position > chunk_s:
        target = position + chunk_s
        silences = await silences_between(target - window, target)
        position = round(_best_cut(silences, target - window, target), 3)
        cuts.append(position)
    return cuts


async def split_at_silences(
    audio: PreparedAudio, chunk_s: float, workdir: Path, tools: AudioTools
) -> list[AudioChunk]:
    """Chunks of at most ``chunk_s`` seconds, cut inside pauses where possible.

    Only the search window before each planned cut is decoded (a 100-minute file in
    10-minute chunks decodes 9 windows of two minutes, not 100 minutes); the cut itself is
    a stream copy. Offsets and durations are the ones ffmpeg reports for what it cut, so
    they tile the whole file and the caller can turn chunk-relative times into absolute ones.
    """
    if audio.duration_s <= chunk_s:
        return [AudioChunk(audio.path, audio.mime_type, 0.0, audio.duration_s)]

    async def silences_between(low: float, high: float) -> list[Silence]:
        return await find_silences(audio.path, tools, start_s=low, length_s=high - low)

    cuts = await plan_cuts(audio.duration_s, chunk_s, silences_between)
    pieces, reencoded = await _segment(audio, cuts, workdir, tools, stop_s=None)
    mime = "audio/ogg" if reencoded else audio.mime_type
    return [
        AudioChunk(piece.path, mime, piece.start_s, piece.end_s - piece.start_s) for piece in pieces
    ]
