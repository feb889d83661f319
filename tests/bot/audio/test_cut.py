"""cut_range and split_at_silences on real generated audio."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest

from bot.audio import (
    AudioTools,
    PreparedAudio,
    cut_range,
    prepare_audio,
    split_at_silences,
)
from bot.audio._cut import (
    Silence,
    SilencesIn,
    Window,
    _per_window,
    find_silences_in,
    parse_silences,
    plan_cuts,
    search_windows,
)
from bot.errors import InvalidOptions
from testkit.audio import PausedSpeech
from tests.helpers.audio_checks import LIMITS, inside, probe_summary

# --- cut_range ----------------------------------------------------------------------------


@pytest.fixture
async def paused_audio(
    paused_speech: PausedSpeech, workdir: Path, audio_tools: AudioTools
) -> PreparedAudio:
    return await prepare_audio(paused_speech.path, workdir, LIMITS, audio_tools)


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


def known(silences: list[Silence], asked: list[list[Window]]) -> SilencesIn:
    """The pauses of a file known in advance; records the windows asked about."""

    async def within(windows: list[Window]) -> list[list[Silence]]:
        asked.append(windows)
        return [
            [s for s in silences if s.end_s > low and s.start_s < high] for low, high in windows
        ]

    return within


async def test_cut_points_prefer_the_longest_pause_near_each_boundary() -> None:
    silences = [Silence(40.0, 40.5), Silence(52.0, 54.0), Silence(58.0, 58.4)]
    asked: list[list[Window]] = []
    assert await plan_cuts(100.0, 60.0, known(silences, asked)) == [53.0]
    assert asked == [[(42.5, 57.5)]]  # one window, a quarter of a chunk long


async def test_cut_points_fall_back_to_hard_cuts_at_the_ends_of_windows() -> None:
    asked: list[list[Window]] = []
    assert await plan_cuts(150.0, 60.0, known([], asked)) == [60.0, 105.0]
    assert await plan_cuts(50.0, 60.0, known([Silence(5.0, 6.0)], asked)) == []
    assert asked == [[(45.0, 60.0), (90.0, 105.0)]]  # nothing asked for a single chunk


async def test_all_windows_are_asked_for_at_once_and_bound_every_chunk() -> None:
    asked: list[list[Window]] = []
    silences = [Silence(500.0, 502.0), Silence(560.0, 562.0), Silence(1100.0, 1101.0)]
    cuts = await plan_cuts(1500.0, 600.0, known(silences, asked))
    assert asked == [[(490.0, 520.0), (980.0, 1010.0)]]  # 30 s each, evenly spaced
    assert cuts == [501.0, 1010.0]  # 560 s and 1100 s are outside every window
    bounds = [0.0, *cuts, 1500.0]
    assert max(b - a for a, b in itertools.pairwise(bounds)) <= 600.0


@pytest.mark.parametrize("duration_s", [60.5, 100.0, 601.0, 1199.0, 6000.0, 34200.0])
@pytest.mark.parametrize("chunk_s", [10.0, 60.0, 600.0])
def test_windows_keep_every_chunk_within_bounds_wherever_the_cuts_land(
    duration_s: float, chunk_s: float
) -> None:
    windows = search_windows(duration_s, chunk_s)
    if duration_s <= chunk_s:
        assert windows == []
        return
    assert windows == sorted(windows)
    # The worst cases: every cut at the start, or at the end, of its window; or alternating.
    for end in (0, 1):
        bounds = [0.0, *(w[end] for w in windows), duration_s]
        assert max(b - a for a, b in itertools.pairwise(bounds)) <= chunk_s + 1e-6
    starts_then_ends = [0.0, *(w[i % 2] for i, w in enumerate(windows)), duration_s]
    assert max(b - a for a, b in itertools.pairwise(starts_then_ends)) <= chunk_s + 1e-6
    fewer = len(windows) - 1  # and no plan with one cut fewer could bound every chunk
    assert (duration_s - chunk_s) / (chunk_s - min(chunk_s / 4, 30.0)) > fewer


async def test_windows_find_the_pauses_a_whole_decode_finds(
    paused_audio: PreparedAudio, paused_speech: PausedSpeech, audio_tools: AudioTools
) -> None:
    [whole] = await find_silences_in(
        paused_audio.path, audio_tools, [(0.0, paused_audio.duration_s)]
    )
    windows = [(20.0, 45.0), (50.0, 100.0), (110.0, 130.0)]
    found = await find_silences_in(paused_audio.path, audio_tools, windows)
    assert len(found) == len(windows)
    for (low, high), window in zip(windows, found, strict=True):
        inside = [s for s in whole if s.start_s >= low + 0.5 and s.end_s <= high - 0.5]
        assert inside  # the fixture has pauses there
        for pause in inside:
            assert any(
                abs(w.start_s - pause.start_s) <= 0.05 and abs(w.end_s - pause.end_s) <= 0.05
                for w in window
            ), (pause, window)
        assert all(low <= w.start_s < w.end_s <= high for w in window)


def test_a_pause_across_the_seam_of_two_windows_is_cut_there() -> None:
    joined = [Silence(9.5, 10.2), Silence(12.0, 12.1), Silence(19.9, 20.0)]
    found = _per_window(joined, [(100.0, 110.0), (300.0, 310.0)])
    # 9.5-10.0 is the end of the first window, 10.0-10.2 too short to be a pause.
    assert found == [[Silence(109.5, 110.0)], []]


def test_parse_silences_closes_an_open_pause_at_the_end() -> None:
    lines = [
        "[silencedetect @ 0x1] silence_start: 1.5",
        "[silencedetect @ 0x1] silence_end: 2.25 | silence_duration: 0.75",
        "[silencedetect @ 0x1] silence_start: 9.0",
    ]
    assert parse_silences(lines, 10.0) == [Silence(1.5, 2.25), Silence(9.0, 10.0)]
