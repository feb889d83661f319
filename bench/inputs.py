"""The benchmark's audio, generated once per cache directory: real speech with pauses
(espeak-ng through ffmpeg, as Discord records it: 48 kHz mono Opus 32 kb/s in Ogg), cut
and looped with stream copies into notes of every length the figures need."""

from __future__ import annotations

from pathlib import Path

from testkit.audio import run_ffmpeg_sync, speech_with_pauses


class Inputs:
    """Notes of a given length, made on first use and kept in ``cache``."""

    def __init__(self, cache: Path) -> None:
        self.cache = cache
        cache.mkdir(parents=True, exist_ok=True)
        self._base = cache / "paused.ogg"

    def base(self) -> Path:
        """Three minutes of speech in phrases separated by pauses."""
        if not self._base.exists():
            speech_with_pauses(self.cache, 180.0)
        return self._base

    def note(self, seconds: float) -> Path:
        """A voice note of ``seconds`` (the base speech looped, stream-copied)."""
        path = self.cache / f"note-{seconds:g}s.ogg"
        if not path.exists():
            loop = ("-stream_loop", "-1", "-i", str(self.base()))
            run_ffmpeg_sync(*loop, "-t", f"{seconds:g}", "-c", "copy", str(path))
        return path

    def mp3(self, seconds: float) -> Path:
        """A 128 kb/s stereo MP3 of ``seconds`` (a podcast: the bot must transcode it), one
        minute encoded and then looped with stream copies."""
        path = self.cache / f"speech-{seconds:g}s.mp3"
        if not path.exists():
            minute = self.cache / "speech-60s.mp3"
            if not minute.exists():
                mp3 = ("-c:a", "libmp3lame", "-b:a", "128k", "-ac", "2", "-ar", "44100")
                run_ffmpeg_sync("-i", str(self.note(60.0)), *mp3, str(minute))
            loop = ("-stream_loop", "-1", "-i", str(minute))
            run_ffmpeg_sync(*loop, "-t", f"{seconds:g}", "-c", "copy", str(path))
        return path

    def distinct(self, seconds: float, count: int) -> list[bytes]:
        """``count`` notes of the same sound with different bytes (Ogg serial numbers):
        each is its own audio, never a cached result of another."""
        notes = []
        for index in range(count):
            path = self.cache / f"note-{seconds:g}s-{index}.ogg"
            if not path.exists():
                serial = str(1000 * (index + 1))
                copy = ("-c", "copy", "-serial_offset", serial)
                run_ffmpeg_sync("-i", str(self.note(seconds)), *copy, str(path))
            notes.append(path.read_bytes())
        return notes
