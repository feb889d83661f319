"""The native Ogg Opus reader: it measures clean streams as ffmpeg does and declines the rest."""

from __future__ import annotations

import os
import random
from dataclasses import replace
from pathlib import Path

import pytest

from bot.audio import AudioTools
from bot.audio._ogg import _REVERSED_BITS as REVERSED_BITS
from bot.audio._ogg import Declined, OggOpus, ogg_crc, packet_samples, read_ogg_opus
from testkit.audio import DISCORD_OPUS_ARGS, run_ffmpeg_sync
from tests.helpers.audio_checks import probe_summary
from tests.helpers.ogg_pages import Page, join_pages, reference_crc, renumbered, split_pages

_CONTINUED, _LAST = 0x01, 0x04  # page flags, RFC 3533 section 6

WINDOW_S = 5.0
ENCODINGS = {
    "discord": DISCORD_OPUS_ARGS,
    "stereo": ("-c:a", "libopus", "-b:a", "64k", "-ac", "2"),
    "60ms_frames": ("-c:a", "libopus", "-b:a", "32k", "-ac", "1", "-frame_duration", "60"),
    "2.5ms_frames": ("-c:a", "libopus", "-b:a", "32k", "-ac", "1", "-frame_duration", "2.5"),
    "16khz_voip": ("-c:a", "libopus", "-b:a", "16k", "-ar", "16000", "-application", "voip"),
}


@pytest.fixture(scope="module")
def encoded(speech_source: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The speech as Ogg Opus, encoded several ways by ffmpeg's libopus."""
    base = tmp_path_factory.mktemp("ogg")
    out = {}
    for name, args in ENCODINGS.items():
        out[name] = base / f"{name}.ogg"
        run_ffmpeg_sync("-i", str(speech_source), *args, str(out[name]))
    return out


def read(data: bytes) -> OggOpus:
    return read_ogg_opus(data, WINDOW_S)


# --- clean streams ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ENCODINGS)
async def test_a_clean_stream_is_measured_as_ffmpeg_measures_it(
    name: str, encoded: dict[str, Path], audio_tools: AudioTools
) -> None:
    ogg = read(encoded[name].read_bytes())
    container, codec, channels, duration = await probe_summary(encoded[name], audio_tools)
    assert (container, codec) == ("ogg", "opus")
    assert ogg.channels == channels
    assert abs(ogg.duration_s - duration) <= 0.03
    assert ogg.pre_skip > 0


def test_audio_bytes_are_the_packets_not_the_pages(encoded: dict[str, Path]) -> None:
    data = encoded["discord"].read_bytes()
    pages = split_pages(data)
    # Every page but the two headers carries audio; the page headers and lacing are overhead.
    bodies = sum(len(page.body) for page in pages[2:])
    assert read(data).audio_bytes == bodies


def test_the_window_holds_the_first_seconds_only(speech_source: Path, tmp_path: Path) -> None:
    long_note = tmp_path / "long.ogg"
    run_ffmpeg_sync(
        "-stream_loop", "3", "-i", str(speech_source), *DISCORD_OPUS_ARGS, str(long_note)
    )
    ogg = read(long_note.read_bytes())
    assert ogg.duration_s > 2 * WINDOW_S
    covered = sum(packet_samples(packet) for packet in ogg.window)
    assert WINDOW_S * 48_000 + ogg.pre_skip <= covered < (WINDOW_S + 0.2) * 48_000 + ogg.pre_skip


def test_the_crc_is_rfc_3533s(encoded: dict[str, Path]) -> None:
    data = encoded["discord"].read_bytes()
    flipped = memoryview(data.translate(REVERSED_BITS))
    position = 0
    for page in split_pages(data)[:5]:
        end = position + 27 + len(page.lacing) + len(page.body)
        zeroed = data[position : position + 22] + b"\0\0\0\0" + data[position + 26 : end]
        assert ogg_crc(flipped, position, end) == reference_crc(zeroed) == page.crc
        position = end


@pytest.mark.parametrize(
    ("packet", "samples"),
    [
        (bytes([31 << 3]), 960),  # CELT fullband 20 ms, one frame
        (bytes([(16 << 3) | 1]) + b"\0\0", 240),  # CELT 2.5 ms, two frames
        (bytes([(3 << 3) | 3, 2]), 5760),  # SILK 60 ms, code 3 with two frames: 120 ms
        (bytes([(13 << 3) | 2]) + b"\0", 1920),  # Hybrid 20 ms, two frames
    ],
)
def test_packet_durations_come_from_the_toc(packet: bytes, samples: int) -> None:
    assert packet_samples(packet) == samples


@pytest.mark.parametrize(
    ("packet", "reason"),
    [
        (b"", "empty"),
        (bytes([(3 << 3) | 3]), "frame count"),
        (bytes([(3 << 3) | 3, 0]), "frame count"),
        (bytes([(3 << 3) | 3, 3]), "120 ms"),
    ],
)
def test_impossible_packets_are_declined(packet: bytes, reason: str) -> None:
    with pytest.raises(Declined, match=reason):
        packet_samples(packet)


# --- what is left to ffmpeg ---------------------------------------------------------------


def _flip_byte(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x40]) + data[at + 1 :]


def test_a_damaged_page_is_declined(voice_note: Path) -> None:
    data = voice_note.read_bytes()
    with pytest.raises(Declined, match="CRC"):
        read(_flip_byte(data, len(data) // 2))


def test_a_cut_download_is_declined(voice_note: Path) -> None:
    data = voice_note.read_bytes()
    with pytest.raises(Declined, match="ends inside a page"):
        read(data[: len(data) // 2])


def test_a_stream_cut_at_a_page_boundary_is_declined(voice_note: Path) -> None:
    pages = split_pages(voice_note.read_bytes())
    with pytest.raises(Declined, match="end-of-stream"):
        read(join_pages(pages[:-1]))


def test_bytes_after_the_stream_are_declined(voice_note: Path) -> None:
    with pytest.raises(Declined, match="after the end-of-stream"):
        read(voice_note.read_bytes() + b"OggS trailing junk")


def test_a_missing_page_is_declined(voice_note: Path) -> None:
    pages = split_pages(voice_note.read_bytes())
    del pages[3]
    with pytest.raises(Declined, match="missing pages"):
        read(join_pages(pages))


def test_a_missing_page_renumbered_is_caught_by_its_granules(voice_note: Path) -> None:
    pages = split_pages(voice_note.read_bytes())
    del pages[3]
    with pytest.raises(Declined, match="granule"):
        read(join_pages(renumbered(pages)))


def test_chained_streams_are_declined(voice_note: Path) -> None:
    pages = split_pages(voice_note.read_bytes())
    second = [replace(page, serial=page.serial + 1) for page in pages]
    with pytest.raises(Declined, match=r"after the end-of-stream|another stream"):
        read(join_pages(pages) + join_pages(second))


def test_a_start_offset_is_declined(voice_note: Path) -> None:
    pages = split_pages(voice_note.read_bytes())
    shifted = pages[:2] + [replace(page, granule=page.granule + 4800) for page in pages[2:]]
    with pytest.raises(Declined, match="granule"):
        read(join_pages(shifted))


def test_a_header_sharing_its_page_is_declined(voice_note: Path) -> None:
    pages = split_pages(voice_note.read_bytes())
    head, tags = pages[0], pages[1]
    merged = replace(head, lacing=head.lacing + tags.lacing, body=head.body + tags.body)
    with pytest.raises(Declined, match="exactly one header"):
        read(join_pages(renumbered([merged, *pages[2:]])))


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("-c:a", "libvorbis"), "identification header"),
        (("-c:a", "libopus", "-ac", "6", "-mapping_family", "1"), "mapping family"),
        (("-c:a", "flac"), "identification header"),
    ],
    ids=["vorbis", "six_channels", "flac_in_ogg"],
)
def test_other_ogg_streams_are_declined(
    args: tuple[str, ...], reason: str, speech_source: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other.ogg"
    run_ffmpeg_sync("-i", str(speech_source), *args, "-f", "ogg", str(other))
    with pytest.raises(Declined, match=reason):
        read(other.read_bytes())


def test_an_output_gain_is_declined(voice_note: Path) -> None:
    """RFC 7845 section 5.1: the header's gain is applied by decoders (ffmpeg does), so a
    file can be silent for ffmpeg and not for a decode that ignores it: ffmpeg decides."""
    pages = split_pages(voice_note.read_bytes())
    head = pages[0].body
    quieter = head[:16] + (-32768).to_bytes(2, "little", signed=True) + head[18:]
    with pytest.raises(Declined, match="output gain"):
        read(join_pages([replace(pages[0], body=quieter), *pages[1:]]))


def _one_packet_over_pages(voice_note: Path, pages_of_it: int) -> bytes:
    """The voice note's headers, then one 20-ms packet spread over ``pages_of_it`` full
    pages of 255 bytes and ended on a last page: legal Ogg, whatever its size."""
    pages = split_pages(voice_note.read_bytes())
    serial = pages[0].serial
    body = [bytes([0xFC]) + bytes(254), *[bytes(255)] * (pages_of_it - 1)]  # CELT FB 20 ms
    spread = [
        Page(_CONTINUED if index else 0, -1, serial, 2 + index, 0, b"\xff", part)
        for index, part in enumerate(body)
    ]
    end = Page(_CONTINUED | _LAST, 960, serial, 2 + pages_of_it, 0, b"\x01", b"\0")
    return join_pages([*pages[:2], *spread, end])


def test_a_packet_continued_over_pages_is_read_whole(voice_note: Path) -> None:
    ogg = read(_one_packet_over_pages(voice_note, 4))
    assert ogg.duration_s == (960 - ogg.pre_skip) / 48_000
    assert ogg.audio_bytes == 4 * 255 + 1
    assert [len(packet) for packet in ogg.window] == [4 * 255 + 1]


def test_a_packet_larger_than_opus_allows_is_declined_as_soon_as_it_is(
    voice_note: Path,
) -> None:
    """48 frames of 1275 bytes at most (RFC 6716): a packet continued page after page is
    declined once it outgrows that, not after the whole file was gathered into it."""
    with pytest.raises(Declined, match="larger than Opus allows"):
        read(_one_packet_over_pages(voice_note, 48 * 1275 // 255 + 1))


def test_anything_at_all_is_read_or_declined_never_crashes(voice_note: Path) -> None:
    """Cuts at every kind of offset and random damage: only ever an OggOpus or Declined."""
    data = voice_note.read_bytes()
    rng = random.Random(7)
    cases = [data[:cut] for cut in range(0, 400)]
    cases += [data[: rng.randrange(len(data))] for _ in range(100)]
    cases += [_flip_byte(data, rng.randrange(len(data))) for _ in range(200)]
    cases += [b"OggS" + os.urandom(rng.randrange(1, 4000)) for _ in range(100)]
    accepted = 0
    for case in cases:
        try:
            read(case)
            accepted += 1
        except Declined:
            pass
    assert accepted == 0  # every cut is short of the end, every flip breaks some page's CRC
