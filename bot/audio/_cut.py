"""Cutting prepared audio: a time range, or chunks that end in pauses.

Both go through ffmpeg's segment muxer, which cuts at packet boundaries and writes the exact
start and end of every piece to a CSV list: the offsets handed back are what ffmpeg actually
cut, not what was asked for. Compressed inputs are stream-copied (an Opus packet is 20 ms,
so a copy cut lands within a packet of the request and costs no re-encode); anything else
is re-encoded to the same compact Opus the normaliser produces. Where long audio is cut is
:mod:`._pauses`' choice; its chunks are handed over as ffmpeg finishes each.
"""

from __future__ import annotations

import asyncio
import csv
import tempfile
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass, replace
from pathlib import Path

from bot.audio._ffmpeg import AudioTools, file_arg, run_ffmpeg
from bot.audio._pauses import Silence, Window, find_silences_in, plan_cuts
from bot.audio._probe import INPUT_GUARDS, decode_timeout_s, silence_verdict
from bot.audio._types import CONTAINERS, OPUS_ARGS, AudioChunk, Container, PreparedAudio
from bot.errors import AudioToolError, InvalidOptions
from bot.timecodes import format_timecode

_LIST_POLL_S = 0.02  # how often the list of cut pieces is read while ffmpeg cuts


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
    """The pieces listed so far; a row still being written (no newline yet) is left for
    the next read."""
    listing = outdir / "segments.csv"
    if not listing.exists():
        return []
    complete = listing.read_text().split("\n")[:-1]
    rows = [row for row in csv.reader(complete) if len(row) >= 3]
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


@dataclass(frozen=True)
class ChunkStream:
    """The chunks of a recording as ffmpeg finishes each: how many there will be, known
    up front, and the chunks in order (close the iterator to stop ffmpeg early)."""

    count: int
    chunks: AsyncGenerator[AudioChunk, None]


async def stream_at_silences(
    audio: PreparedAudio, chunk_s: float, workdir: Path, tools: AudioTools
) -> ChunkStream:
    """Chunks of at most ``chunk_s`` seconds, cut inside pauses where possible, each handed
    over as soon as ffmpeg has written it (the first part can be on its way to Gemini while
    the rest are cut).

    Only the search window of each planned cut is decoded, all windows in one ffmpeg run (a
    100-minute file in 10-minute chunks decodes 10 windows of 30 s, not 100 minutes); the
    cut itself is a stream copy. Offsets and durations are the ones ffmpeg reports for what
    it cut, so they tile the whole file and the caller can turn chunk-relative times into
    absolute ones.
    """
    if audio.duration_s <= chunk_s:
        return ChunkStream(1, _just(AudioChunk(audio.path, audio.mime_type, 0.0, audio.duration_s)))

    async def silences_in(windows: list[Window]) -> list[list[Silence]]:
        return await find_silences_in(audio.path, tools, windows)

    cuts = await plan_cuts(audio.duration_s, chunk_s, silences_in)
    return ChunkStream(len(cuts) + 1, _pieces_as_cut(audio, cuts, workdir, tools))


async def split_at_silences(
    audio: PreparedAudio, chunk_s: float, workdir: Path, tools: AudioTools
) -> list[AudioChunk]:
    """Every chunk of :func:`stream_at_silences`, once all are cut."""
    stream = await stream_at_silences(audio, chunk_s, workdir, tools)
    async with aclosing(stream.chunks) as chunks:
        return [chunk async for chunk in chunks]


async def _just(chunk: AudioChunk) -> AsyncGenerator[AudioChunk, None]:
    yield chunk


async def _pieces_as_cut(
    audio: PreparedAudio, cuts: list[float], workdir: Path, tools: AudioTools
) -> AsyncGenerator[AudioChunk, None]:
    """Run the segment muxer and yield each piece once its row is in the list: ffmpeg
    writes a row when it has closed that piece's file. ffmpeg is stopped if the consumer
    stops early."""
    outdir = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="cut-", dir=workdir))
    copy = CONTAINERS.get(audio.mime_type)
    mime = "audio/ogg" if copy is None else audio.mime_type
    args = _segment_args(audio, cuts, None, copy)
    timeout_s = decode_timeout_s(audio.duration_s)
    run = asyncio.ensure_future(run_ffmpeg(tools, args, timeout_s=timeout_s, cwd=outdir))
    handed = 0
    try:
        while True:
            over = run.done()  # before reading: every row is in once ffmpeg has exited
            pieces = await asyncio.to_thread(_read_segment_list, outdir)
            for piece in pieces[handed:]:
                yield AudioChunk(piece.path, mime, piece.start_s, piece.end_s - piece.start_s)
            handed = len(pieces)
            if over:
                break
            await asyncio.wait([run], timeout=_LIST_POLL_S)
        if not run.result().ok or handed == 0:
            raise AudioToolError("Cutting the audio failed.")
    finally:
        if not run.done():
            run.cancel()  # run_ffmpeg kills and reaps the process
        await asyncio.gather(run, return_exceptions=True)
