"""prepare_audio on real generated audio: every format, bad inputs, hostile names, silence."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from pydub import AudioSegment

import bot.audio._native
import bot.audio._prepare
from bot.audio import (
    AudioTools,
    human_size,
    prepare_audio,
)
from bot.audio._types import GEMINI_AUDIO_MIME_TYPES
from bot.errors import (
    AudioTooLarge,
    AudioTooLong,
    AudioTooShort,
    BadInput,
    CorruptAudio,
    EmptyAudio,
    NotAudio,
)
from testkit.audio import FORMAT_CASES, HOSTILE_NAMES, FormatCase
from tests.helpers.audio_checks import LIMITS, inside, probe_summary

BROKEN_TOOLS = AudioTools(ffmpeg="/nonexistent/ffmpeg", ffprobe=None)


@pytest.fixture(params=["native", "one-process", "two-processes"])
def probe_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Clean Ogg Opus files are probed without ffmpeg, other small files by one ffmpeg, big
    ones by two: run a test every way (the ffmpeg ways with the native check off)."""
    if request.param != "native":
        monkeypatch.setattr(bot.audio._native, "NATIVE_MAX_BYTES", -1)
    if request.param == "two-processes":
        monkeypatch.setattr(bot.audio._prepare, "ONE_PROCESS_MAX_BYTES", 0)
    return str(request.param)


# --- every accepted format ---------------------------------------------------------------


@pytest.mark.parametrize("case", FORMAT_CASES, ids=lambda case: case.name)
async def test_every_format_prepares(
    case: FormatCase,
    format_files: dict[str, Path],
    speech_duration: float,
    workdir: Path,
    audio_tools: AudioTools,
) -> None:
    source = format_files[case.name]
    audio = await prepare_audio(source, workdir, LIMITS, audio_tools)
    assert audio.mime_type in GEMINI_AUDIO_MIME_TYPES
    assert audio.mime_type == case.expect_mime
    assert audio.transcoded is case.expect_transcoded
    assert abs(audio.duration_s - speech_duration) <= 0.2
    assert inside(audio.path, workdir)
    assert audio.size_bytes == audio.path.stat().st_size
    assert audio.source_sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    assert not audio.is_digital_silence
    _, _, _, measured = await probe_summary(audio.path, audio_tools)
    assert abs(measured - speech_duration) <= 0.2


@pytest.mark.parametrize("name", ["ogg_opus", "mp3", "m4a", "webm", "wav", "mkv"])
@pytest.mark.usefixtures("probe_mode")
async def test_both_probe_modes_agree(
    name: str,
    format_files: dict[str, Path],
    speech_duration: float,
    workdir: Path,
    audio_tools: AudioTools,
) -> None:
    case = next(case for case in FORMAT_CASES if case.name == name)
    audio = await prepare_audio(format_files[name], workdir, LIMITS, audio_tools)
    assert (audio.mime_type, audio.transcoded) == (case.expect_mime, case.expect_transcoded)
    assert abs(audio.duration_s - speech_duration) <= 0.2


@pytest.mark.parametrize("name", ["wav", "wav_6ch", "flac", "aiff", "mov", "mkv"])
async def test_pcm_flac_and_video_become_mono_ogg_opus(
    name: str, format_files: dict[str, Path], workdir: Path, audio_tools: AudioTools
) -> None:
    audio = await prepare_audio(format_files[name], workdir, LIMITS, audio_tools)
    assert audio.transcoded
    assert audio.mime_type == "audio/ogg"
    container, codec, channels, _ = await probe_summary(audio.path, audio_tools)
    assert (container, codec, channels) == ("ogg", "opus", 1)
    assert audio.size_bytes < format_files[name].stat().st_size


async def test_discord_voice_note_passes_through_untouched(
    voice_note: Path, workdir: Path, audio_tools: AudioTools
) -> None:
    audio = await prepare_audio(voice_note, workdir, LIMITS, audio_tools)
    assert not audio.transcoded
    assert audio.mime_type == "audio/ogg"
    assert audio.source_format == "ogg/opus"
    assert audio.path.read_bytes() == voice_note.read_bytes()


@pytest.mark.parametrize(("name", "container"), [("m4a", "aac"), ("mp4", "aac"), ("webm", "ogg")])
async def test_compact_streams_are_remuxed_not_transcoded(
    name: str,
    container: str,
    format_files: dict[str, Path],
    workdir: Path,
    audio_tools: AudioTools,
) -> None:
    audio = await prepare_audio(format_files[name], workdir, LIMITS, audio_tools)
    assert not audio.transcoded
    assert audio.path.name != "input"
    found, _, _, _ = await probe_summary(audio.path, audio_tools)
    assert found == container


# --- bad inputs ---------------------------------------------------------------------------

HOSTILE_EXPECTATIONS = [
    ("empty", EmptyAudio, "This file is empty."),
    ("one_byte", NotAudio, "I couldn't recognise this file as audio or video."),
    ("random", NotAudio, "I couldn't recognise this file as audio or video."),
    ("text", NotAudio, "I couldn't recognise this file as audio or video."),
    ("png", NotAudio, "I couldn't recognise this file as audio or video."),
    ("mp3_garbage", NotAudio, "I couldn't recognise this file as audio or video."),
    ("video_no_audio", NotAudio, "This file has no audio track."),
    ("truncated_ogg", CorruptAudio, "This file looks damaged or incomplete"),
    ("no_samples", EmptyAudio, "This file holds no audio samples."),
    ("tiny", AudioTooShort, "send at least 0.3 s of audio."),
]


@pytest.mark.parametrize(("name", "error", "message"), HOSTILE_EXPECTATIONS)
@pytest.mark.usefixtures("probe_mode")
async def test_bad_inputs_raise_specific_errors(
    name: str,
    error: type[BadInput],
    message: str,
    hostile_files: dict[str, Path],
    workdir: Path,
    audio_tools: AudioTools,
) -> None:
    with pytest.raises(error) as raised:
        await prepare_audio(hostile_files[name], workdir, LIMITS, audio_tools)
    assert type(raised.value) is error
    assert message in raised.value.user_message


async def test_too_short_message_names_the_length(
    hostile_files: dict[str, Path], workdir: Path, audio_tools: AudioTools
) -> None:
    with pytest.raises(AudioTooShort, match=r"^This clip is only 0\.0\d s long"):
        await prepare_audio(hostile_files["tiny"], workdir, LIMITS, audio_tools)


async def test_size_is_checked_before_any_probe(voice_note: Path, workdir: Path) -> None:
    limits = replace(LIMITS, max_bytes=10 * 1024)
    # The tools are broken: reaching ffmpeg would raise AudioToolError instead.
    with pytest.raises(AudioTooLarge, match=r"^This file is 17 KB; the limit is 10 KB\.$"):
        await prepare_audio(voice_note, workdir, limits, BROKEN_TOOLS)


async def test_missing_source_is_a_bad_input(tmp_path: Path, workdir: Path) -> None:
    with pytest.raises(BadInput, match="couldn't open"):
        await prepare_audio(tmp_path / "nope.ogg", workdir, LIMITS, BROKEN_TOOLS)


async def test_header_claiming_hours_is_measured_by_its_packets(
    hostile_files: dict[str, Path],
    speech_duration: float,
    workdir: Path,
    audio_tools: AudioTools,
) -> None:
    limits = replace(LIMITS, max_duration_s=60.0)
    audio = await prepare_audio(hostile_files["claims_long"], workdir, limits, audio_tools)
    assert abs(audio.duration_s - speech_duration) <= 0.2


async def test_header_claiming_seconds_cannot_hide_a_long_file(
    claims_short_mp3: Path, workdir: Path, audio_tools: AudioTools
) -> None:
    limits = replace(LIMITS, max_duration_s=8.0)
    with pytest.raises(AudioTooLong, match=r"^This audio is 1\d s long; the limit is 8 s\.$"):
        await prepare_audio(claims_short_mp3, workdir, limits, audio_tools)


def test_size_limit_messages_read_like_a_person_wrote_them() -> None:
    assert human_size(250 * 1024 * 1024) == "250 MB"
    assert human_size(200 * 1024 * 1024) == "200 MB"
    assert human_size(1536 * 1024) == "1.5 MB"


# --- hostile file names -------------------------------------------------------------------


def _snapshot(root: Path, skip: Path) -> set[Path]:
    return {p for p in root.rglob("*") if not inside(p, skip)}


@pytest.mark.parametrize("name", HOSTILE_NAMES)
async def test_hostile_file_names_are_harmless(
    name: str,
    voice_note: Path,
    tmp_path: Path,
    audio_tools: AudioTools,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    uploads, workdir = tmp_path / "uploads", tmp_path / "job"
    uploads.mkdir()
    workdir.mkdir()
    shutil.copyfile(voice_note, uploads / name)
    monkeypatch.chdir(uploads)  # a relative name with a leading dash, as a CLI would pass it
    before = _snapshot(tmp_path, workdir)
    audio = await prepare_audio(Path(name), workdir, LIMITS, audio_tools)
    assert audio.mime_type == "audio/ogg"
    assert _snapshot(tmp_path, workdir) == before
    assert not any(p.name == "pwned" for p in tmp_path.rglob("*"))
    assert not (Path.cwd() / "pwned").exists()
    assert all(name not in p.name for p in workdir.rglob("*"))


@pytest.mark.parametrize("name", ["wav", "m4a"])
async def test_transcode_and_remux_write_only_inside_the_workdir(
    name: str, format_files: dict[str, Path], tmp_path: Path, audio_tools: AudioTools
) -> None:
    workdir = tmp_path / "job"
    workdir.mkdir()
    hostile = tmp_path / f"$(touch pwned) -y ;{name}"
    shutil.copyfile(format_files[name], hostile)
    before = _snapshot(tmp_path, workdir)
    await prepare_audio(hostile, workdir, LIMITS, audio_tools)
    assert _snapshot(tmp_path, workdir) == before
    assert not any(p.name == "pwned" for p in tmp_path.rglob("*"))


# --- digital silence ----------------------------------------------------------------------


def _pcm_peak(path: Path, tools: AudioTools) -> int:
    """pydub's view of a short clip: ffmpeg decodes to raw PCM, pydub measures it."""
    raw = subprocess.run(
        [
            tools.ffmpeg,
            "-nostdin",
            "-v",
            "error",
            "-i",
            f"file:{path}",
            "-f",
            "s16le",
            "-ac",
            "1",
            "-ar",
            "16000",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    return int(AudioSegment(raw, sample_width=2, frame_rate=16000, channels=1).max)


@pytest.mark.parametrize(
    ("name", "silent"),
    [
        ("opus_short", True),
        ("opus_long", True),
        ("wav_long", True),
        ("quiet_noise", False),
        ("silence_then_speech", False),
    ],
)
@pytest.mark.usefixtures("probe_mode")
async def test_digital_silence_is_detected(
    name: str,
    silent: bool,
    silence_files: dict[str, Path],
    workdir: Path,
    audio_tools: AudioTools,
) -> None:
    source = silence_files[name]
    assert (_pcm_peak(source, audio_tools) == 0) is silent  # the fixture is what it claims
    audio = await prepare_audio(source, workdir, LIMITS, audio_tools)
    assert audio.is_digital_silence is silent


async def test_speech_is_not_silence(
    voice_note: Path, workdir: Path, audio_tools: AudioTools
) -> None:
    assert _pcm_peak(voice_note, audio_tools) > 1000
    audio = await prepare_audio(voice_note, workdir, LIMITS, audio_tools)
    assert not audio.is_digital_silence
