"""The probe's native path agrees with ffmpeg's, and hands everything unusual to ffmpeg."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

import bot.audio._native
from bot.audio import AudioTools, prepare_audio
from bot.audio._native import probe_natively
from bot.audio._ogg import packet_samples
from bot.audio._probe import probe_with_window
from bot.errors import AudioToolError
from testkit.audio import run_ffmpeg_sync
from tests.helpers.audio_checks import LIMITS
from tests.helpers.ogg_pages import Page, join_pages, split_pages


def _without_ffmpeg(tools: AudioTools) -> AudioTools:
    """The same libopus, and an ffmpeg that cannot start: reaching it raises."""
    assert tools.opus is not None, "libopus is missing: install libopus0 (./dev test does)"
    return replace(tools, ffmpeg="/nonexistent/ffmpeg")


@pytest.mark.parametrize("name", ["voice_note", "opus_short", "opus_long", "late_speech"])
async def test_the_native_probe_agrees_with_ffmpeg(
    name: str,
    voice_note: Path,
    silence_files: dict[str, Path],
    audio_tools: AudioTools,
) -> None:
    files = {**silence_files, "voice_note": voice_note}
    path = files["silence_then_speech" if name == "late_speech" else name]
    native = await probe_natively(path, path.stat().st_size, audio_tools)
    assert native is not None
    probe, first = native
    theirs, their_first = await probe_with_window(path, audio_tools, 30.0)
    assert (probe.format_name, probe.source_format) == (theirs.format_name, theirs.source_format)
    assert probe.audio.channels == theirs.audio.channels
    assert abs(probe.duration_s - theirs.duration_s) <= 0.03
    assert first.silent is their_first.silent
    assert first.n_samples > 0


async def test_what_end_trimming_cuts_off_is_not_heard(
    tmp_path: Path, audio_tools: AudioTools
) -> None:
    """Silence with a click in its last 3.5 ms, then the final granule trims all but one
    sample of the last packet (RFC 7845 section 4.4): ffmpeg never decodes the click, so
    the note is silent for both paths."""
    clicked = tmp_path / "clicked.ogg"
    source = "aevalsrc='if(gt(t,2.4965),0.5*sin(2*PI*440*t),0)':s=48000:d=2.5"
    run_ffmpeg_sync("-f", "lavfi", "-i", source, "-c:a", "libopus", "-ac", "1", str(clicked))
    pages = split_pages(clicked.read_bytes())
    last_packet_samples = packet_samples(_last_packet(pages[-1]))
    trimmed = replace(pages[-1], granule=pages[-1].granule - last_packet_samples + 1)
    silent = tmp_path / "trimmed.ogg"
    silent.write_bytes(join_pages([*pages[:-1], trimmed]))
    native = await probe_natively(silent, silent.stat().st_size, audio_tools)
    assert native is not None
    _, theirs = await probe_with_window(silent, audio_tools, 30.0)
    assert theirs.silent
    assert native[1].silent


def _last_packet(page: Page) -> bytes:
    """The last packet ending on ``page`` (its lacing values read as RFC 3533 says)."""
    sizes, size = [], 0
    for value in page.lacing:
        size += value
        if value < 255:
            sizes.append(size)
            size = 0
    return page.body[sum(sizes[:-1]) : sum(sizes)]


async def test_a_voice_note_is_prepared_without_starting_ffmpeg(
    voice_note: Path, workdir: Path, audio_tools: AudioTools
) -> None:
    audio = await prepare_audio(voice_note, workdir, LIMITS, _without_ffmpeg(audio_tools))
    assert (audio.source_format, audio.mime_type) == ("ogg/opus", "audio/ogg")
    assert not audio.transcoded
    assert audio.path.read_bytes() == voice_note.read_bytes()
    assert not audio.is_digital_silence


async def test_a_short_silent_note_is_judged_without_ffmpeg(
    silence_files: dict[str, Path], workdir: Path, audio_tools: AudioTools
) -> None:
    source = silence_files["opus_short"]  # shorter than the window: the window decides
    audio = await prepare_audio(source, workdir, LIMITS, _without_ffmpeg(audio_tools))
    assert audio.is_digital_silence


async def test_a_damaged_note_goes_to_ffmpeg(
    voice_note: Path, tmp_path: Path, workdir: Path, audio_tools: AudioTools
) -> None:
    pages = split_pages(voice_note.read_bytes())
    damaged = tmp_path / "damaged.ogg"
    damaged.write_bytes(join_pages(pages[:-1]))  # no end-of-stream page
    assert await probe_natively(damaged, damaged.stat().st_size, audio_tools) is None
    with pytest.raises(AudioToolError):
        await prepare_audio(damaged, workdir, LIMITS, _without_ffmpeg(audio_tools))


@pytest.mark.parametrize("name", ["mp3", "wav", "webm", "ogg_vorbis"])
async def test_other_files_are_left_to_ffmpeg(
    name: str, format_files: dict[str, Path], audio_tools: AudioTools
) -> None:
    path = format_files[name]
    assert await probe_natively(path, path.stat().st_size, audio_tools) is None


async def test_big_files_and_systems_without_libopus_use_ffmpeg(
    voice_note: Path, audio_tools: AudioTools, monkeypatch: pytest.MonkeyPatch
) -> None:
    size = voice_note.stat().st_size
    assert await probe_natively(voice_note, size, replace(audio_tools, opus=None)) is None
    monkeypatch.setattr(bot.audio._native, "NATIVE_MAX_BYTES", size - 1)
    assert await probe_natively(voice_note, size, audio_tools) is None
