"""Session-scoped audio fixtures: every test file generated once per run, in a temp dir.

Imported from tests/conftest.py. Generation needs espeak-ng and ffmpeg (``./dev test``
installs both); a session takes a few seconds to build everything.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.audio import AudioTools, locate_audio_tools
from testkit import audio as fx


@pytest.fixture(scope="session")
def audio_tools() -> AudioTools:
    """The ffmpeg the bot would use on this machine."""
    return locate_audio_tools()


@pytest.fixture(scope="session")
def audio_fixture_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the generated audio lives for the whole session."""
    return tmp_path_factory.mktemp("audio-fixtures")


@pytest.fixture(scope="session")
def speech_source(audio_fixture_dir: Path) -> Path:
    """A few seconds of synthetic speech (mono 22.05 kHz PCM WAV): the truth."""
    return fx.speech_wav(audio_fixture_dir / "speech-source.wav")


@pytest.fixture(scope="session")
def speech_duration(speech_source: Path) -> float:
    """Exact duration of ``speech_source``."""
    return fx.wav_duration(speech_source)


@pytest.fixture(scope="session")
def format_files(audio_fixture_dir: Path, speech_source: Path) -> dict[str, Path]:
    """``speech_source`` in every accepted format, keyed by FormatCase name."""
    return fx.make_formats(speech_source, audio_fixture_dir / "formats")


@pytest.fixture(scope="session")
def voice_note(format_files: dict[str, Path]) -> Path:
    """A Discord-style voice message: 48 kHz mono Opus at 32 kb/s in Ogg."""
    return format_files["ogg_opus"]


@pytest.fixture(scope="session")
def hostile_files(
    audio_fixture_dir: Path, speech_source: Path, voice_note: Path
) -> dict[str, Path]:
    """Empty, random, truncated, mislabelled and otherwise bad inputs."""
    return fx.make_hostile(audio_fixture_dir / "hostile", speech_source, voice_note)


@pytest.fixture(scope="session")
def silence_files(audio_fixture_dir: Path, speech_source: Path) -> dict[str, Path]:
    """Digital silence in several shapes, and near-silences that are not digital silence."""
    base = audio_fixture_dir / "silence"
    base.mkdir()
    return {
        "opus_short": fx.digital_silence(base / "short.ogg", 3),
        "opus_long": fx.digital_silence(base / "long.ogg", 12),
        "wav_long": fx.digital_silence(base / "long.wav", 12, ("-c:a", "pcm_s16le")),
        "quiet_noise": fx.quiet_noise(base / "quiet.wav", 3),
        "silence_then_speech": fx.silence_then_speech(base / "late.ogg", speech_source, 8),
    }


@pytest.fixture(scope="session")
def paused_speech(audio_fixture_dir: Path) -> fx.PausedSpeech:
    """About three minutes of speech with known pauses, as a Discord-style voice note."""
    base = audio_fixture_dir / "paused"
    base.mkdir()
    return fx.speech_with_pauses(base, total_s=180.0)


@pytest.fixture(scope="session")
def claims_short_mp3(audio_fixture_dir: Path, speech_source: Path) -> Path:
    """An MP3 whose first header describes 3 s while 11 s of frames follow."""
    base = audio_fixture_dir / "claims"
    base.mkdir()
    return fx.mp3_claiming_short(base / "claims-short.mp3", speech_source, base, 11.0)


DISTINCT_NOTES = 5


@pytest.fixture(scope="session")
def distinct_voice_notes(voice_note: Path, audio_fixture_dir: Path) -> list[bytes]:
    """Voice messages with the same sound but different bytes (Ogg serial numbers), so
    each is its own audio (no shared cached result) and Gemini requests tell them apart."""
    notes = []
    for index in range(DISTINCT_NOTES):
        out = audio_fixture_dir / f"distinct-note-{index}.ogg"
        serial = str(1000 * (index + 1))
        fx.run_ffmpeg_sync("-i", str(voice_note), "-c", "copy", "-serial_offset", serial, str(out))
        notes.append(out.read_bytes())
    assert len(set(notes)) == DISTINCT_NOTES
    return notes
