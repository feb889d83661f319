"""libopus through ctypes: the first non-zero sample, the pre-skip, refused packets."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.audio._ogg import read_ogg_opus
from bot.audio._opus import OpusError, OpusLibrary, _open

WINDOW = 5 * 48_000


@pytest.fixture(scope="module")
def opus() -> OpusLibrary:
    """The system's libopus (./dev test installs ffmpeg, which depends on it)."""
    library = OpusLibrary.load()
    assert library is not None, "libopus is missing: install libopus0 (./dev test does)"
    return library


def test_speech_is_loud_from_its_first_packets(voice_note: Path, opus: OpusLibrary) -> None:
    ogg = read_ogg_opus(voice_note.read_bytes(), 5.0)
    peak = opus.first_peak(ogg.window, ogg.channels, skip=ogg.pre_skip, limit=WINDOW)
    assert peak.peak > 0
    assert 0 < peak.n_samples < WINDOW  # it stopped at the first non-zero sample


def test_digital_silence_is_decoded_to_the_end_of_the_window(
    silence_files: dict[str, Path], opus: OpusLibrary
) -> None:
    ogg = read_ogg_opus(silence_files["opus_long"].read_bytes(), 5.0)
    peak = opus.first_peak(ogg.window, ogg.channels, skip=ogg.pre_skip, limit=WINDOW)
    assert peak.peak == 0
    assert WINDOW <= peak.n_samples < WINDOW + 960


def test_samples_inside_the_pre_skip_are_not_counted(voice_note: Path, opus: OpusLibrary) -> None:
    """A pre-skip longer than all the packets leaves nothing to measure."""
    ogg = read_ogg_opus(voice_note.read_bytes(), 5.0)
    packets = ogg.window[:3]
    skipped = opus.first_peak(packets, ogg.channels, skip=10 * 48_000, limit=WINDOW)
    assert (skipped.n_samples, skipped.peak) == (0, 0)


def test_a_packet_libopus_refuses_is_an_error(opus: OpusLibrary) -> None:
    with pytest.raises(OpusError, match="opus_decode failed"):
        opus.first_peak([bytes([(3 << 3) | 3, 0])], 1, skip=0, limit=WINDOW)


def test_a_library_that_is_not_libopus_is_not_loaded() -> None:
    assert _open("libc.so.6") is None
    assert _open("libdoes-not-exist.so.9") is None
