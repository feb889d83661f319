"""cut_range, split_at_silences and stream_at_silences on real generated audio."""

from __future__ import annotations

import itertools
import os
import shutil
from contextlib import aclosing
from dataclasses import replace
from pathlib import Path

import pytest

from bot.audio import (
    AudioTools,
    PreparedAudio,
    cut_range,
    prepare_audio,
    split_at_silences,
    stream_at_silences,
)
from bot.audio._cut import _read_segment_list
from bot.errors import InvalidOptions
from testkit.audio import PausedSpeech
from tests.helpers.audio_checks import LIMITS, inside, probe_summary

# --- cut_range ----------------------------------------------------------------------------


async def test_cut_range_offsets_and_duration(
    paused_audio: PreparedAudio, workdir: Path, audio_tools: AudioTools
) -> None:
    part = await cut_range(paused_audio, 10.5, 20.25, workdir, audio_tools)
    assert abs(part.offset_s - 10.5) <= 0.05
    assert abs(part.duration_s - 9.75) <= 0.1
    assert part.mime_type == paused_audio.mime_type
    assert not part.transcoded
    assert part.path != paused_audio.path
    assert inside(part.path, workdir)
    _, _, _, measured = await probe_summary(part.path, audio_tools)
    assert abs(measured - part.duration_s) <= 0.1
    tail = await cut_range(paused_audio, 170.0, None, workdir, audio_tools)
    assert abs(tail.offset_s + tail.duration_s - paused_audio.duration_s) <= 0.1
    inner = await cut_range(tail, 2.0, 5.0, workdir, audio_tools)
    assert abs(inner.offset_s - 172.0) <= 0.05


async def test_cut_range_of_everything_is_the_input(
    paused_audio: PreparedAudio, workdir: Path, audio_tools: AudioTools
) -> None:
    whole = await cut_range(paused_audio, 0.0, None, workdir, audio_tools)
    assert whole is paused_audio


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (500.0, None, "past the end"),
        (30.0, 30.0, "must be after"),
        (30.0, 10.0, "must be after"),
        (-1.0, None, "negative"),
    ],
)
async def test_cut_range_rejects_empty_ranges(
    start: float,
    end: float | None,
    message: str,
    paused_audio: PreparedAudio,
    workdir: Path,
    audio_tools: AudioTools,
) -> None:
    with pytest.raises(InvalidOptions, match=message):
        await cut_range(paused_audio, start, end, workdir, audio_tools)


async def test_cut_range_reencodes_formats_it_cannot_copy(
    format_files: dict[str, Path], workdir: Path, audio_tools: AudioTools
) -> None:
    source = workdir / "pcm.wav"
    shutil.copyfile(format_files["wav"], source)
    wav = PreparedAudio(source, "audio/wav", 4.4, source.stat().st_size, "x", "wav", False, False)
    part = await cut_range(wav, 1.0, 3.0, workdir, audio_tools)
    assert (part.mime_type, part.transcoded) == ("audio/ogg", True)
    assert abs(part.duration_s - 2.0) <= 0.05


# --- split_at_silences --------------------------------------------------------------------


async def test_split_tiles_the_file_and_cuts_in_pauses(
    paused_audio: PreparedAudio,
    paused_speech: PausedSpeech,
    workdir: Path,
    audio_tools: AudioTools,
) -> None:
    chunks = await split_at_silences(paused_audio, 60.0, workdir, audio_tools)
    assert len(chunks) >= 3
    assert chunks[0].offset_s == 0.0
    for previous, chunk in itertools.pairwise(chunks):
        assert abs(previous.offset_s + previous.duration_s - chunk.offset_s) <= 0.1
        assert any(a - 0.1 <= chunk.offset_s <= b + 0.1 for a, b in paused_speech.pauses)
    last = chunks[-1]
    assert abs(last.offset_s + last.duration_s - paused_audio.duration_s) <= 0.1
    for chunk in chunks:
        assert chunk.duration_s <= 60.1
        assert chunk.mime_type == "audio/ogg"
        assert inside(chunk.path, workdir)
        _, _, _, measured = await probe_summary(chunk.path, audio_tools)
        assert abs(measured - chunk.duration_s) <= 0.15


async def test_short_audio_is_one_chunk_equal_to_the_input(
    voice_note: Path, workdir: Path, audio_tools: AudioTools
) -> None:
    audio = await prepare_audio(voice_note, workdir, LIMITS, audio_tools)
    chunks = await split_at_silences(audio, 60.0, workdir, audio_tools)
    assert len(chunks) == 1
    assert (chunks[0].path, chunks[0].offset_s, chunks[0].duration_s) == (
        audio.path,
        0.0,
        audio.duration_s,
    )


def ffmpeg_children() -> list[int]:
    """The ffmpeg processes this test process started that are still running."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            name = stat.read_text().split("(", 1)[1].rsplit(")", 1)[0]
        except (OSError, IndexError):
            continue  # a process that ended while we looked
        if int(fields[1]) == os.getpid() and name == "ffmpeg":
            children.append(int(stat.parent.name))
    return children


async def test_a_stream_hands_over_the_same_chunks_as_the_split(
    paused_audio: PreparedAudio, workdir: Path, audio_tools: AudioTools
) -> None:
    whole = await split_at_silences(paused_audio, 60.0, workdir, audio_tools)
    stream = await stream_at_silences(paused_audio, 60.0, workdir, audio_tools)
    streamed = [chunk async for chunk in stream.chunks]
    assert stream.count == len(streamed) == len(whole) >= 3
    assert [(c.offset_s, c.duration_s) for c in streamed] == [
        (c.offset_s, c.duration_s) for c in whole
    ]
    assert all(chunk.path.exists() for chunk in streamed)  # complete files, handed over


async def test_closing_a_stream_early_stops_ffmpeg(
    paused_audio: PreparedAudio,
    paused_speech: PausedSpeech,
    workdir: Path,
    audio_tools: AudioTools,
) -> None:
    assert paused_speech.wav_path is not None
    # PCM is re-encoded while it is cut: ffmpeg is still at work after the first piece.
    pcm = replace(paused_audio, path=paused_speech.wav_path, mime_type="audio/wav")
    stream = await stream_at_silences(pcm, 30.0, workdir, audio_tools)
    async with aclosing(stream.chunks) as chunks:
        first = await anext(chunks)
        assert ffmpeg_children() != []
    assert first.offset_s == 0.0
    assert ffmpeg_children() == []


def test_a_row_still_being_written_is_left_for_the_next_read(tmp_path: Path) -> None:
    (tmp_path / "segments.csv").write_text(
        "file:part-0000.ogg,0.000000,59.500000\nfile:part-0001.ogg,59.500000,11"
    )
    (piece,) = _read_segment_list(tmp_path)
    assert (piece.path.name, piece.start_s, piece.end_s) == ("part-0000.ogg", 0.0, 59.5)
