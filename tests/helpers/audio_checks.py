"""What the audio tests check files with: limits, where a file is, what ffmpeg sees in it."""

from __future__ import annotations

from pathlib import Path

from bot.audio import AudioLimits, AudioTools
from bot.audio._probe import probe_input

LIMITS = AudioLimits(
    min_duration_s=0.3,
    max_duration_s=9.5 * 3600,
    max_bytes=200 * 1024 * 1024,
    probe_timeout_s=30.0,
)


def inside(path: Path, directory: Path) -> bool:
    """Whether ``path`` lies inside ``directory`` (after resolving links)."""
    return path.resolve().is_relative_to(directory.resolve())


async def probe_summary(path: Path, tools: AudioTools) -> tuple[str, str, int | None, float]:
    """Container, codec, channels and measured duration of ``path``."""
    probe = await probe_input(path, tools, 30.0)
    return probe.format_name, probe.audio.codec, probe.audio.channels, probe.duration_s
