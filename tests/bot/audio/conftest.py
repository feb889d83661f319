"""Fixtures of the audio tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """An empty job workdir."""
    path = tmp_path / "job"
    path.mkdir()
    return path
