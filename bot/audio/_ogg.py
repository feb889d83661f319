"""Reading an Ogg Opus file natively: the common voice note, checked without starting ffmpeg.

Why: on a Debian system ffmpeg needs 50 to 90 ms just to start (it links over 200 shared
libraries), and a Discord voice note needs nothing from it but a probe. So a file that is
a clean Ogg Opus stream is checked here, byte by byte, and anything else is *declined*
(:class:`Declined`, with the reason): ffmpeg then probes it as before and words any error.
This module never has to explain a fault to anyone; it only recognises the good case, so
every rule below is strict and an unusual but valid file merely takes the slower way.

The rules, from RFC 3533 (Ogg) and RFC 7845 (Ogg Opus):

* Pages: the capture pattern, version 0, a valid CRC (RFC 3533 section 6), one serial
  number (no multiplexed or chained streams), consecutive sequence numbers, packets
  continued exactly when the page says so, and the file ends at the end of a page flagged
  end-of-stream (a cut download, or junk after the stream, is declined).
* Headers (RFC 7845 section 3 and 5): the first page is flagged beginning-of-stream, has
  granule 0 and holds only the identification header (``OpusHead``, major version 0,
  mapping family 0, so 1 or 2 channels); the comment header (``OpusTags``) starts on the
  second page and its last page holds nothing else, with granule 0.
* Audio (RFC 6716 section 3.1 for the TOC byte): every packet is non-empty and at most
  120 ms; every page that completes a packet has a granule equal to the samples so far
  (a stream starting at zero), except the last, which may trim less than its own packets
  (end trimming, RFC 7845 section 4.4). Duration is (last granule - pre-skip) / 48 kHz.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

OPUS_RATE = 48_000  # granule positions of Ogg Opus always count 48 kHz samples
_PAGE_HEADER = struct.Struct("<4sBBqIIIB")  # RFC 3533 section 6, 27 bytes
_CRC_FIELD = slice(22, 26)
_CONTINUED, _FIRST, _LAST = 0x01, 0x02, 0x04
_MAX_PACKET_SAMPLES = 5760  # 120 ms, RFC 6716 section 3.2.5
# 48 frames of at most 1275 bytes (RFC 6716 sections 3.2.5 and 3.4, R2); only padding can
# make a packet larger, and such a packet is declined (ffmpeg decides about it).
_MAX_PACKET_BYTES = 48 * 1275
# Frame length in 48 kHz samples by TOC configuration (RFC 6716 section 3.1, table 2):
# SILK NB/MB/WB 10-60 ms, Hybrid SWB/FB 10-20 ms, CELT NB/WB/SWB/FB 2.5-20 ms.
_FRAME_SAMPLES = (480, 960, 1920, 2880) * 3 + (480, 960) * 2 + (120, 240, 480, 960) * 4
_REVERSED_BITS = bytes(int(f"{byte:08b}"[::-1], 2) for byte in range(256))


class Declined(Exception):
    """Not a clean Ogg Opus stream (the reason says why): leave the file to ffmpeg."""


@dataclass(frozen=True)
class OggOpus:
    """What the native check learnt about a clean Ogg Opus file."""

    channels: int
    pre_skip: int
    duration_s: float
    audio_bytes: int
    window: tuple[bytes, ...]  # the first audio packets, covering at least the window asked


@dataclass(frozen=True)
class _Page:
    flags: int
    granule: int
    lacing: bytes
    body: int  # offset of the page's first body byte in the file
    end: int


def read_ogg_opus(data: bytes, window_s: float) -> OggOpus:
    """Check ``data`` as a clean Ogg Opus file (see the module docstring) and measure it;
    the first packets, enough to decode ``window_s`` seconds, come with the result.

    Raises :class:`Declined` when any rule is not met.
    """
    try:
        return _Reader(data, window_s).read()
    except struct.error:
        raise Declined("a header runs past the end of the file") from None


def ogg_crc(flipped: memoryview, start: int, end: int) -> int:
    """RFC 3533's CRC of the page at ``flipped[start:end]`` (its CRC field taken as zero).

    The Ogg CRC is unreflected (polynomial 0x04C11DB7, initial value 0, no final XOR);
    zlib computes the reflected form, which over bit-reversed bytes yields the bit-reversed
    result. ``flipped`` is the file through :data:`_REVERSED_BITS`, translated once.
    """
    register = zlib.crc32(flipped[start : start + _CRC_FIELD.start], 0xFFFFFFFF)
    register = zlib.crc32(b"\0\0\0\0", register)
    register = zlib.crc32(flipped[start + _CRC_FIELD.stop : end], register) ^ 0xFFFFFFFF
    return int(f"{register:032b}"[::-1], 2)


def packet_samples(packet: bytes) -> int:
    """48 kHz samples in an Opus packet, from its TOC byte (and frame count byte)."""
    if not packet:
        raise Declined("an empty audio packet")
    toc = packet[0]
    code = toc & 0x03
    if code == 0:
        frames = 1
    elif code in (1, 2):
        frames = 2
    elif len(packet) < 2 or not packet[1] & 0x3F:
        raise Declined("a packet with no frame count")
    else:
        frames = packet[1] & 0x3F
    samples = _FRAME_SAMPLES[toc >> 3] * frames
    if samples > _MAX_PACKET_SAMPLES:
        raise Declined("a packet longer than 120 ms")
    return samples


class _Reader:
    """One pass over the pages: headers first, then the audio packets."""

    def __init__(self, data: bytes, window_s: float) -> None:
        self._data = data
        self._window_samples = round(window_s * OPUS_RATE)
        self._channels = 0
        self._pre_skip = 0
        self._samples = 0  # of every audio packet completed so far
        self._audio_bytes = 0
        self._window: list[bytes] = []
        # The parts of a packet earlier pages left open, joined once it completes (joining
        # on every page would be quadratic in a packet spread over many pages).
        self._carry: list[bytes] = []
        self._carry_bytes = 0

    def read(self) -> OggOpus:
        pages = _pages(self._data)
        self._read_id_header(next(pages, None))
        last = self._read_comment_header(pages)
        for page in pages:
            last = page
            self._read_audio_page(page)
        if not last.flags & _LAST or self._carry:
            raise Declined("the stream does not end with a complete end-of-stream page")
        if last.granule < self._pre_skip:
            raise Declined("the stream ends before its pre-skip")
        return OggOpus(
            channels=self._channels,
            pre_skip=self._pre_skip,
            duration_s=(last.granule - self._pre_skip) / OPUS_RATE,
            audio_bytes=self._audio_bytes,
            window=tuple(self._window),
        )

    def _read_id_header(self, page: _Page | None) -> None:
        if page is None or page.flags != _FIRST or page.granule != 0:
            raise Declined("the first page is not a lone beginning-of-stream page")
        pieces = _pieces(self._data, page)
        if len(pieces) != 1 or _open_ended(page):
            raise Declined("the first page does not hold exactly one header")
        head = pieces[0]
        if len(head) < 19 or head[:8] != b"OpusHead" or head[8] >> 4 != 0:
            raise Declined("not an Opus identification header (version 0)")
        channels, pre_skip, _rate, gain, family = struct.unpack_from("<BHIhB", head, 9)
        if family != 0 or channels not in (1, 2):
            raise Declined("not mapping family 0 with one or two channels")
        if gain != 0:  # RFC 7845 section 5.1: decoders apply it, and ffmpeg does
            raise Declined("an output gain in the header")
        self._channels, self._pre_skip = channels, pre_skip

    def _read_comment_header(self, pages: Iterator[_Page]) -> _Page:
        """The comment header's pages: one packet alone, ending its last page, granule 0."""
        parts: list[bytes] = []
        for page in pages:
            pieces = _pieces(self._data, page)
            if bool(page.flags & _CONTINUED) != bool(parts) or page.flags & ~_CONTINUED:
                raise Declined("the comment header's pages do not follow on")
            if len(pieces) != 1 or page.granule not in (0, -1):
                raise Declined("the comment header shares its page")
            parts.append(pieces[0])
            if not _open_ended(page):
                if page.granule != 0 or not b"".join(parts).startswith(b"OpusTags"):
                    raise Declined("no Opus comment header")
                return page
        raise Declined("the file ends inside its headers")

    def _read_audio_page(self, page: _Page) -> None:
        if page.flags & _FIRST:
            raise Declined("a second beginning-of-stream page (chained streams)")
        if bool(page.flags & _CONTINUED) != bool(self._carry):
            raise Declined("a page's continuation flag does not match its packets")
        pieces = self._complete_carried(_pieces(self._data, page), _open_ended(page))
        completed = 0
        for packet in pieces:
            if len(packet) > _MAX_PACKET_BYTES:
                raise Declined("a packet larger than Opus allows without padding")
            if self._samples < self._pre_skip + self._window_samples:
                self._window.append(packet)
            samples = packet_samples(packet)
            self._samples += samples
            completed += samples
            self._audio_bytes += len(packet)
        self._check_granule(page, completed)

    def _complete_carried(self, pieces: list[bytes], open_ended: bool) -> list[bytes]:
        """The page's complete packets, the one carried from earlier pages first; its last
        piece is carried on when the page leaves it open."""
        if self._carry:
            self._carry.append(pieces[0])
            self._carry_bytes += len(pieces[0])
            if len(pieces) == 1 and open_ended:  # the packet goes on over the next page
                self._check_carry_size()
                return []
            pieces[0] = b"".join(self._carry)
            self._carry, self._carry_bytes = [], 0
        if open_ended:
            last = pieces.pop()
            self._carry, self._carry_bytes = [last], len(last)
            self._check_carry_size()
        return pieces

    def _check_carry_size(self) -> None:
        if self._carry_bytes > _MAX_PACKET_BYTES:
            raise Declined("a packet larger than Opus allows without padding")

    def _check_granule(self, page: _Page, completed: int) -> None:
        if completed == 0:
            if page.granule != -1:  # RFC 3533: -1 when no packet ends on the page
                raise Declined("a granule on a page where no packet ends")
            return
        trimmed = self._samples - page.granule
        if trimmed == 0 or (page.flags & _LAST and 0 < trimmed < completed):
            return
        raise Declined("a granule position that does not match the packets")


def _pages(data: bytes) -> Iterator[_Page]:
    """Every page of the file, CRC checked, in order, from one stream."""
    flipped = memoryview(data.translate(_REVERSED_BITS))
    position, serial, sequence = 0, None, 0
    while position < len(data):
        magic, version, flags, granule, page_serial, page_sequence, crc, count = (
            _PAGE_HEADER.unpack_from(data, position)
        )
        if magic != b"OggS" or version != 0 or flags & ~0x07:
            raise Declined("not an Ogg page")
        lacing = data[position + 27 : position + 27 + count]
        body = position + 27 + count
        end = body + sum(lacing)
        if len(lacing) < count or end > len(data):
            raise Declined("the file ends inside a page")
        if not count:
            raise Declined("a page with no segments")
        if ogg_crc(flipped, position, end) != crc:
            raise Declined("a page's CRC does not match")
        if serial not in (None, page_serial) or page_sequence != sequence:
            raise Declined("pages from another stream, or missing pages")
        if flags & _LAST and end != len(data):
            raise Declined("data after the end-of-stream page")
        serial, sequence = page_serial, sequence + 1
        yield _Page(flags, granule, lacing, body, end)
        position = end


def _pieces(data: bytes, page: _Page) -> list[bytes]:
    """The page body cut where packets end; when the page is open-ended (its last lacing
    value is 255) the last piece continues on the next page."""
    pieces: list[bytes] = []
    start = offset = page.body
    for value in page.lacing:
        offset += value
        if value < 255:
            pieces.append(data[start:offset])
            start = offset
    if start < offset:
        pieces.append(data[start:offset])
    return pieces


def _open_ended(page: _Page) -> bool:
    return bool(page.lacing) and page.lacing[-1] == 255
