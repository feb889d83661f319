"""Fixtures of the Gemini service tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.gemini import AudioInput


@pytest.fixture
def audio(voice_note: Path) -> AudioInput:
    """A real voice note (the fake decodes what it is sent); its duration stated as 3 s."""
    size = voice_note.stat().st_size
    return AudioInput(path=voice_note, mime_type="audio/ogg", size_bytes=size, duration_s=3.0)
