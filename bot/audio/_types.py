"""Value types of the audio pipeline and the wording of its limits.

Kept apart from bot.audio._prepare so the probing and chunking modules can share them without an
import cycle; bot.audio._prepare re-exports everything public.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.errors import AudioTooLarge
from bot.settings import Settings

# The MIME types Gemini documents for audio input; prepared files always use one of these.
GEMINI_AUDIO_MIME_TYPES = frozenset(
    {"audio/wav", "audio/mp3", "audio/aiff", "audio/aac", "audio/ogg", "audio/flac"}
)
# What every transcode produces: 16 kHz mono Opus (Gemini downsamples to 16 kbps anyway).
OPUS_ARGS = (
    "-ac",
    "1",
    "-ar",
    "16000",
    "-c:a",
    "libopus",
    "-b:a",
    "24k",
    "-application",
    "voip",
    "-compression_level",
    "5",
)


@dataclass(frozen=True)
class Container:
    """A compressed container Gemini takes as it is: how ffmpeg reads and writes it."""

    mime_type: str
    demuxer: str  # what ffmpeg's probe calls an input already in this container
    muxer: str
    extension: str


_OGG = Container("audio/ogg", "ogg", "ogg", ".ogg")
CONTAINERS = {
    c.mime_type: c
    for c in (
        _OGG,
        Container("audio/mp3", "mp3", "mp3", ".mp3"),
        Container("audio/aac", "aac", "adts", ".aac"),
    )
}
"""Containers by MIME type: cuts of these are stream copies, anything else is re-encoded."""
NATIVE_CODECS = {
    "opus": _OGG,
    "vorbis": _OGG,
    "mp3": CONTAINERS["audio/mp3"],
    "aac": CONTAINERS["audio/aac"],
}
"""Codecs that need no transcode when compact enough, and the container each goes in."""


@dataclass(frozen=True)
class AudioLimits:
    """What the pipeline accepts. Checked before anything costly runs."""

    min_duration_s: float
    max_duration_s: float
    max_bytes: int
    probe_timeout_s: float

    @classmethod
    def from_settings(cls, settings: Settings) -> AudioLimits:
        """The limits configured in ``settings``."""
        return cls(
            min_duration_s=settings.min_duration_seconds,
            max_duration_s=settings.max_duration_seconds,
            max_bytes=settings.max_bytes,
            probe_timeout_s=settings.probe_timeout_seconds,
        )


@dataclass(frozen=True)
class PreparedAudio:
    """An audio file ready for Gemini, inside a job workdir."""

    path: Path
    mime_type: str
    duration_s: float
    size_bytes: int
    source_sha256: str
    source_format: str
    transcoded: bool
    is_digital_silence: bool
    offset_s: float = 0.0  # where this audio starts in the original (non-zero after a cut)


@dataclass(frozen=True)
class AudioChunk:
    """One piece of a long recording; ``offset_s`` is where it starts in its parent."""

    path: Path
    mime_type: str
    offset_s: float
    duration_s: float


def human_size(size_bytes: int) -> str:
    """``250 MB``, ``1.5 MB``, ``820 KB`` (binary units, as file managers show them)."""
    mib = size_bytes / (1024 * 1024)
    if mib >= 10:
        return f"{mib:.0f} MB"
    if mib >= 1:
        return f"{mib:.1f}".rstrip("0").rstrip(".") + " MB"
    return f"{max(1, round(size_bytes / 1024))} KB"


def too_large(size_bytes: int | None, limit_bytes: int) -> AudioTooLarge:
    """The one user-facing error for a file over the byte limit (checked on download and
    again before probing); ``None`` when a stream was cut off before its size was known."""
    if size_bytes is None:
        return AudioTooLarge(f"This file is larger than the {human_size(limit_bytes)} limit.")
    return AudioTooLarge(
        f"This file is {human_size(size_bytes)}; the limit is {human_size(limit_bytes)}."
    )
