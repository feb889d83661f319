"""prepare_audio, cut_range and split_at_silences on real generated audio."""

from __future__ import annotations

import hashlib
import itertools
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from pydub import AudioSegment

import bot.audio
from bot.audio import (
    AudioLimits,
    PreparedAudio,
    cut_range,
    prepare_audio,
    split_at_silences,
)
from bot.audio_chunks import Silence, choose_cut_points, parse_silences
from bot.audio_probe import probe_input
from bot.audio_types import GEMINI_AUDIO_MIME_TYPES, compared_durations, human_duration, human_size
from bot.errors import (
    AudioTooLarge,
    AudioTooLong,
    AudioTooShort,
    BadInput,
    CorruptAudio,
    EmptyAudio,
    InvalidOptions,
    NotAudio,
)
from bot.ffmpeg import AudioTools
from tests.audio_fixtures import FORMAT_CASES, HOSTILE_NAMES, FormatCase, PausedSpeech

LIMITS = AudioLimits(
    min_duration_s=0.3, max_duration_s=9.5 * 3600, max_bytes=200 * 1024 * 1024,
    probe_timeout_s=30.0,
)  # fmt: skip
BROKEN_TOOLS = AudioTools(ffmpeg="/nonexistent/ffmpeg", ffprobe=None)


@pytest.fixture(params=["one-process", "two-processes"])
def probe_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Small files are probed by one ffmpeg, big ones by two: run a test both ways."""
    if request.param == "two-processes":
        monkeypatch.setattr(bot.audio, "ONE_PROCESS_MAX_BYTES", 0)
    return str(request.param)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    path = tmp_path / "job"
    path.mkdir()
    return path


def _inside(path: Path, directory: Path) -> bool:
    return path.resolve().is_relative_to(directory.resolve())


async def _probe(path: Path, tools: AudioTools) -> tuple[str, str, int | None, float]:
    probe = await probe_input(path, tools, 30.0)
    return probe.format_name, probe.audio.codec, probe.audio.channels, probe.duration_s


# --- every accepted format ---------------------------------------------------------------


@pytest.mark.parametrize("case", FORMAT_CASES, ids=lambda case: case.name)
async def test_every_format_prepares(
    case: FormatCase, format_files: dict[str, Path], speech_duration: float,
    workdir: Path, audio_tools: AudioTools,
) -> None:  # fmt: skip
    source = format_files[case.name]
    audio = await prepare_audio(source, workdir, LIMITS, audio_tools)
    assert audio.mime_type in GEMINI_AUDIO_MIME_TYPES
    assert audio.mime_type == case.expect_mime
    assert audio.transcoded is case.expect_transcoded
    assert abs(audio.duration_s - speech_duration) <= 0.2
    assert _inside(audio.path, workdir)
    assert audio.size_bytes == audio.path.stat().st_size
    assert audio.source_sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    assert not audio.is_digital_silence
    _, _, _, measured = await _probe(audio.path, audio_tools)
    assert abs(measured - speech_duration) <= 0.2


@pytest.mark.parametrize("name", ["ogg_opus", "mp3", "m4a", "webm", "wav", "mkv"])
@pytest.mark.usefixtures("probe_mode")
async def test_both_probe_modes_agree(
    name: str, format_files: dict[str, Path], speech_duration: float, workdir: Path,
    audio_tools: AudioTools,
) -> None:  # fmt: skip
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
    container, codec, channels, _ = await _probe(audio.path, audio_tools)
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
    name: str, container: str, format_files: dict[str, Path], workdir: Path,
    audio_tools: AudioTools,
) -> None:  # fmt: skip
    audio = await prepare_audio(format_files[name], workdir, LIMITS, audio_tools)
    assert not audio.transcoded
    assert audio.path.name != "input"
    found, _, _, _ = await _probe(audio.path, audio_tools)
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
    name: str, error: type[BadInput], message: str, hostile_files: dict[str, Path],
    workdir: Path, audio_tools: AudioTools,
) -> None:  # fmt: skip
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
    hostile_files: dict[str, Path], speech_duration: float, workdir: Path,
    audio_tools: AudioTools,
) -> None:  # fmt: skip
    limits = replace(LIMITS, max_duration_s=60.0)
    audio = await prepare_audio(hostile_files["claims_long"], workdir, limits, audio_tools)
    assert abs(audio.duration_s - speech_duration) <= 0.2


async def test_header_claiming_seconds_cannot_hide_a_long_file(
    claims_short_mp3: Path, workdir: Path, audio_tools: AudioTools
) -> None:
    limits = replace(LIMITS, max_duration_s=8.0)
    with pytest.raises(AudioTooLong, match=r"^This audio is 1\d s long; the limit is 8 s\.$"):
        await prepare_audio(claims_short_mp3, workdir, limits, audio_tools)


def test_limit_messages_read_like_a_person_wrote_them() -> None:
    assert human_duration(0.05) == "0.05 s"
    assert human_duration(0.3) == "0.3 s"
    assert human_duration(200) == "3 min 20 s"
    assert human_duration(10 * 3600 + 12 * 60) == "10 h 12 min"
    assert human_duration(9.5 * 3600) == "9 h 30 min"
    assert human_duration(9 * 3600 + 5) == "9 h"
    assert compared_durations(9.5 * 3600 + 20, 9.5 * 3600) == ("9 h 30 min 20 s", "9 h 30 min")
    assert compared_durations(9 * 3600 + 5, 9 * 3600) == ("9 h 5 s", "9 h")
    assert compared_durations(0.299, 0.3) == ("0.299 s", "0.3 s")
    assert human_size(250 * 1024 * 1024) == "250 MB"
    assert human_size(200 * 1024 * 1024) == "200 MB"
    assert human_size(1536 * 1024) == "1.5 MB"


# --- hostile file names -------------------------------------------------------------------


def _snapshot(root: Path, skip: Path) -> set[Path]:
    return {p for p in root.rglob("*") if not _inside(p, skip)}


@pytest.mark.parametrize("name", HOSTILE_NAMES)
async def test_hostile_file_names_are_harmless(
    name: str, voice_note: Path, tmp_path: Path, audio_tools: AudioTools,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
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
        [tools.ffmpeg, "-nostdin", "-v", "error", "-i", f"file:{path}", "-f", "s16le",
         "-ac", "1", "-ar", "16000", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    return int(AudioSegment(raw, sample_width=2, frame_rate=16000, channels=1).max)


@pytest.mark.parametrize(
    ("name", "silent"),
    [("opus_short", True), ("opus_long", True), ("wav_long", True),
     ("quiet_noise", False), ("silence_then_speech", False)],
)  # fmt: skip
@pytest.mark.usefixtures("probe_mode")
async def test_digital_silence_is_detected(
    name: str, silent: bool, silence_files: dict[str, Path], workdir: Path,
    audio_tools: AudioTools,
) -> None:  # fmt: skip
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
    assert _inside(part.path, workdir)
    _, _, _, measured = await _probe(part.path, audio_tools)
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
    [(500.0, None, "past the end"), (30.0, 30.0, "must be after"),
     (30.0, 10.0, "must be after"), (-1.0, None, "negative")],
)  # fmt: skip
async def test_cut_range_rejects_empty_ranges(
    start: float, end: float | None, message: str, paused_audio: PreparedAudio,
    workdir: Path, audio_tools: AudioTools,
) -> None:  # fmt: skip
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
    paused_audio: PreparedAudio, paused_speech: PausedSpeech, workdir: Path,
    audio_tools: AudioTools,
) -> None:  # fmt: skip
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
        assert _inside(chunk.path, workdir)
        _, _, _, measured = await _probe(chunk.path, audio_tools)
        assert abs(measured - chunk.duration_s) <= 0.15


async def test_short_audio_is_one_chunk_equal_to_the_input(
    voice_note: Path, workdir: Path, audio_tools: AudioTools
) -> None:
    audio = await prepare_audio(voice_note, workdir, LIMITS, audio_tools)
    chunks = await split_at_silences(audio, 60.0, workdir, audio_tools)
    assert len(chunks) == 1
    assert (chunks[0].path, chunks[0].offset_s, chunks[0].duration_s) == (
        audio.path, 0.0, audio.duration_s,
    )  # fmt: skip


def test_cut_points_prefer_the_longest_pause_near_each_boundary() -> None:
    silences = [Silence(40.0, 40.5), Silence(52.0, 54.0), Silence(58.0, 58.4)]
    assert choose_cut_points(silences, 100.0, 60.0) == [53.0]


def test_cut_points_fall_back_to_hard_cuts() -> None:
    assert choose_cut_points([], 150.0, 60.0) == [60.0, 120.0]
    assert choose_cut_points([Silence(5.0, 6.0)], 50.0, 60.0) == []


def test_parse_silences_closes_an_open_pause_at_the_end() -> None:
    lines = [
        "[silencedetect @ 0x1] silence_start: 1.5",
        "[silencedetect @ 0x1] silence_end: 2.25 | silence_duration: 0.75",
        "[silencedetect @ 0x1] silence_start: 9.0",
    ]
    assert parse_silences(lines, 10.0) == [Silence(1.5, 2.25), Silence(9.0, 10.0)]
