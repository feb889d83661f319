"""Decoding a few Opus packets with the system's libopus (through ctypes), without ffmpeg.

The digital-silence check of a voice note needs decoded samples of its first seconds, and
one non-zero sample settles it: decoding the first packet or two with libopus costs
microseconds where starting ffmpeg costs tens of milliseconds. libopus is what ffmpeg
itself links (Debian's ``libopus0``); without it, ffmpeg decodes as before.

Only the stable C API of ``opus.h`` is used: ``opus_decoder_create``, ``opus_decode``
(16-bit output, as volumedetect measures) and ``opus_decoder_destroy``. A packet libopus
refuses is reported as :class:`OpusError`, never guessed around.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from array import array
from collections.abc import Iterable
from dataclasses import dataclass

log = logging.getLogger(__name__)

OPUS_RATE = 48_000
_MAX_FRAME_SAMPLES = 5760  # 120 ms at 48 kHz: the longest packet (RFC 6716 section 3.2.5)
_LIBRARY_NAMES = ("libopus.so.0", "libopus.0.dylib", "libopus.dylib", "opus.dll")


class OpusError(Exception):
    """libopus refused a packet or could not make a decoder."""


@dataclass(frozen=True)
class Peak:
    """What a decode found: samples decoded (all channels) and the largest magnitude."""

    n_samples: int
    peak: int  # of the 16-bit samples, 0 to 32768


class OpusLibrary:
    """libopus, loaded once at startup (:meth:`load`) and shared by every job."""

    def __init__(self, library: ctypes.CDLL) -> None:
        self._lib = library
        library.opus_decoder_create.restype = ctypes.c_void_p
        library.opus_decoder_create.argtypes = [
            ctypes.c_int32,
            ctypes.c_int,
            ctypes.POINTER(ctypes.c_int),
        ]
        library.opus_decode.restype = ctypes.c_int
        library.opus_decode.argtypes = [
            ctypes.c_void_p,
            ctypes.c_char_p,
            ctypes.c_int32,
            ctypes.POINTER(ctypes.c_int16),
            ctypes.c_int,
            ctypes.c_int,
        ]
        library.opus_decoder_destroy.restype = None
        library.opus_decoder_destroy.argtypes = [ctypes.c_void_p]

    @classmethod
    def load(cls) -> OpusLibrary | None:
        """The system's libopus, or None (then ffmpeg decodes everything)."""
        for name in _LIBRARY_NAMES:
            if (library := _open(name)) is not None:
                return cls(library)
        # find_library runs ldconfig or a compiler: only when the usual names failed.
        found = ctypes.util.find_library("opus")
        if found and (library := _open(found)) is not None:
            return cls(library)
        log.info("libopus not found: voice notes are checked with ffmpeg")
        return None

    def first_peak(self, packets: Iterable[bytes], channels: int, *, skip: int, limit: int) -> Peak:
        """Decode ``packets`` (one stream of ``channels``), drop the first ``skip`` samples
        per channel (the pre-skip) and stop at the first non-zero sample or after ``limit``
        samples per channel; samples past ``limit`` are never looked at (pass the stream's
        length when it is shorter than the window: its end trimming cuts the last packet).

        Blocking (a few packets usually, microseconds each): call it in a thread.
        """
        error = ctypes.c_int(0)
        decoder = self._lib.opus_decoder_create(OPUS_RATE, channels, ctypes.byref(error))
        if not decoder or error.value != 0:
            raise OpusError(f"opus_decoder_create failed ({error.value})")
        try:
            return self._scan(decoder, packets, channels, skip, limit)
        finally:
            self._lib.opus_decoder_destroy(decoder)

    def _scan(
        self, decoder: int, packets: Iterable[bytes], channels: int, skip: int, limit: int
    ) -> Peak:
        buffer = (ctypes.c_int16 * (_MAX_FRAME_SAMPLES * channels))()
        seen = 0  # samples per channel decoded, the pre-skip included
        for packet in packets:
            got = self._lib.opus_decode(decoder, packet, len(packet), buffer, _MAX_FRAME_SAMPLES, 0)
            if got < 0:
                raise OpusError(f"opus_decode failed ({got})")
            room = limit - max(0, seen - skip)  # > 0 here: the loop stops at the limit
            kept = array("h", memoryview(buffer).cast("B")[: got * channels * 2])
            del kept[: max(0, skip - seen) * channels]
            del kept[room * channels :]
            seen += got
            peak = max(max(kept, default=0), -min(kept, default=0))
            if peak or seen - skip >= limit:
                return Peak(min(max(0, seen - skip), limit) * channels, peak)
        return Peak(min(max(0, seen - skip), limit) * channels, 0)


def _open(name: str) -> ctypes.CDLL | None:
    try:
        library = ctypes.CDLL(name)
        library.opus_decode  # noqa: B018 - a library without it is not libopus
    except (OSError, AttributeError):
        return None
    return library
