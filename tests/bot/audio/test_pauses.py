"""Where long audio is cut: search windows, pauses found in them, and the cuts chosen."""

from __future__ import annotations

import itertools

import pytest

from bot.audio import AudioTools, PreparedAudio
from bot.audio._pauses import (
    Silence,
    SilencesIn,
    Window,
    _per_window,
    find_silences_in,
    parse_silences,
    plan_cuts,
    search_windows,
)
from testkit.audio import PausedSpeech


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
