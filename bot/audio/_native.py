"""The probe's fast path: a clean Ogg Opus file, such as a Discord voice note, read in
Python (``_ogg``) and its first seconds decoded by libopus (``_opus``), with no ffmpeg run.

Anything the native check declines (another container, an unusual or damaged Ogg stream,
no libopus on the system, a big file) returns None and ffmpeg probes it as before, so the
outcome for a sender never depends on which way the file went: a clean note gets the same
probe and silence verdict either way (``tests/bot/audio/test_native.py`` compares them).
"""

from __future__ import annotations

import asyncio
import logging
import math
from pathlib import Path

from bot.audio._ffmpeg import AudioTools
from bot.audio._ogg import OPUS_RATE, Declined, read_ogg_opus
from bot.audio._opus import OpusError, OpusLibrary, Peak
from bot.audio._probe import SILENCE_WINDOW_S, Loudness, Probe, StreamInfo

log = logging.getLogger(__name__)

# Past this size (about 30 minutes of a voice note) ffmpeg's start no longer matters and
# its threaded reader is faster than a Python pass over the pages.
NATIVE_MAX_BYTES = 8 * 1024 * 1024
_SILENT_DB = -91.0  # what volumedetect reports for all-zero 16-bit samples


async def probe_natively(path: Path, size: int, tools: AudioTools) -> tuple[Probe, Loudness] | None:
    """The probe and the first window's loudness of a clean Ogg Opus file, or None when
    ffmpeg should look at it instead."""
    if tools.opus is None or size > NATIVE_MAX_BYTES:
        return None
    return await asyncio.to_thread(_probe_file, path, tools.opus)


def _probe_file(path: Path, opus: OpusLibrary) -> tuple[Probe, Loudness] | None:
    with path.open("rb") as handle:
        if handle.read(4) != b"OggS":
            return None  # not Ogg at all: nothing to say
        data = b"OggS" + handle.read()
    try:
        ogg = read_ogg_opus(data, SILENCE_WINDOW_S)
        # Up to the stream's end when it is shorter than the window: end trimming (RFC 7845
        # section 4.4) drops the last packet's tail, which ffmpeg never decodes either.
        window = min(round(SILENCE_WINDOW_S * OPUS_RATE), round(ogg.duration_s * OPUS_RATE))
        peak = opus.first_peak(ogg.window, ogg.channels, skip=ogg.pre_skip, limit=window)
    except (Declined, OpusError) as error:
        log.info("native Ogg Opus check declined (%s); probing with ffmpeg", error)
        return None
    stream = StreamInfo(0, "Audio", "opus", OPUS_RATE, ogg.channels)
    probe = Probe("ogg", (stream,), ogg.duration_s, ogg.duration_s, ogg.audio_bytes)
    return probe, loudness(peak)


def loudness(peak: Peak) -> Loudness:
    """A decode's peak in volumedetect's terms (dB of full scale, -91 for all zeros)."""
    level = 20 * math.log10(peak.peak / 32768) if peak.peak else _SILENT_DB
    return Loudness(peak.n_samples, level)
