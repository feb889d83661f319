"""Fixtures of the fakes' own tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def note(voice_note: Path) -> bytes:
    """A real Discord-style voice note (Opus in Ogg, a few seconds), as bytes."""
    return voice_note.read_bytes()
