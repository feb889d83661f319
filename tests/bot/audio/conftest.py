"""Fixtures of the audio tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.audio import AudioTools, PreparedAudio, prepare_audio
from testkit.audio import PausedSpeech
from tests.helpers.audio_checks import LIMITS


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """An empty job workdir."""
    path = tmp_path / "job"
    path.mkdir()
    return path


@pytest.fixture
async def paused_audio(
    paused_speech: PausedSpeech, workdir: Path, audio_tools: AudioTools
) -> PreparedAudio:
    """About three minutes of speech with known pauses, prepared (a Discord voice note)."""
    return await prepare_audio(paused_speech.path, workdir, LIMITS, audio_tools)
