"""How the fake Gemini counts tokens: from the request it received, never a constant.

What Gemini documents, and how the fake follows it:

* Audio costs **32 tokens per second** (ai.google.dev/gemini-api/docs/audio, "Technical
  details"; also docs/tokens). The fake measures each audio part by decoding it with ffmpeg
  to 16 kHz mono PCM (the docs: Gemini downsamples audio to 16 Kbps and mixes channels to
  one) and counting the samples: the container's header is never trusted, exactly as the
  bot's own probe does. Audio ffmpeg cannot decode is refused with 400 ``invalid_request``:
  Gemini does not document that case, so the fake takes the stricter side.
* Text is **about 4 characters per token** (docs/tokens): the prompt's text parts and the
  system instruction count as input.
* Output tokens are the reply's text at 4 characters per token. **Thinking** is billed
  apart from it (``total_thought_tokens``; the SDK's tests build ``total_tokens`` as input +
  output + thought) and grows with ``generation_config.thinking_level`` (docs/thinking: the
  level bounds how much the model thinks; Gemini 3 models default to ``high``). Google gives
  no formula, so the fake uses a documented approximation: a base per level plus a share of
  the output.
* A failed interaction (a refusal) bills its input and generates nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

from testkit.audio import ffmpeg_exe
from testkit.gemini._replies import JsonObject, TokenCounts

AUDIO_TOKENS_PER_SECOND = 32
CHARS_PER_TOKEN = 4
_PCM_RATE = 16_000  # samples per second after Gemini's downsampling; 2 bytes each
_THINKING = {  # thinking_level: (base tokens, extra thought tokens per output token)
    "minimal": (0, 0.0),
    "low": (48, 0.25),
    "medium": (160, 0.5),
    "high": (512, 1.0),
}
_DEFAULT_LEVEL = "high"


def text_tokens(text: str) -> int:
    """About 4 characters per token, at least one for non-empty text."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


@dataclass(frozen=True)
class RequestCost:
    """The billable side of one request, measured when it arrives: input tokens by modality,
    what a cache served, and how much the model thinks (the speech model does not)."""

    text_tokens: int
    audio_tokens: int
    thinking_level: str
    video_tokens: int = 0
    cached_tokens: int = 0
    audio_s: float = 0.0
    thinks: bool = True

    @property
    def input_tokens(self) -> int:
        """Audio at 32 tokens per second, video frames, and the prompt's text."""
        return self.text_tokens + self.audio_tokens + self.video_tokens

    def counts(self, reply_text: str | None, *, generated: bool = True) -> TokenCounts:
        """What answering with ``reply_text`` costs (nothing generated: input only)."""
        media = {"audio": self.audio_tokens, "video": self.video_tokens}
        if not generated:
            return TokenCounts(self.input_tokens, 0, cached=self.cached_tokens, **media)
        output = text_tokens(reply_text or "")
        base, share = _THINKING.get(self.thinking_level, _THINKING[_DEFAULT_LEVEL])
        thought = base + math.ceil(output * share) if self.thinks else 0
        return TokenCounts(
            self.input_tokens, output, thought=thought, cached=self.cached_tokens, **media
        )


def audio_tokens(seconds: float) -> int:
    """32 tokens per second of audio, rounded up."""
    return math.ceil(seconds * AUDIO_TOKENS_PER_SECOND)


def thinking_level(body: JsonObject) -> str:
    """``generation_config.thinking_level``, or the default when the request sets none."""
    config = body.get("generation_config")
    level = config.get("thinking_level") if isinstance(config, dict) else None
    return str(level) if level else _DEFAULT_LEVEL


class AudioMeter:
    """Decoded durations of audio bytes, each distinct payload decoded once."""

    def __init__(self) -> None:
        self._seconds: dict[str, float | None] = {}

    async def seconds(self, data: bytes) -> float | None:
        """How long ``data`` plays, or None when ffmpeg cannot decode it."""
        key = hashlib.sha256(data).hexdigest()
        if key not in self._seconds:
            self._seconds[key] = await _decode_seconds(data)
        return self._seconds[key]


async def _decode_seconds(data: bytes) -> float | None:
    # A file rather than a pipe: MP4/M4A keep their index at the end, unreadable from a pipe.
    with tempfile.TemporaryDirectory(prefix="fake-gemini-") as tmp:
        path = Path(tmp) / "audio"
        await asyncio.to_thread(path.write_bytes, data)
        process = await asyncio.create_subprocess_exec(
            ffmpeg_exe(),
            *("-hide_banner", "-nostdin", "-loglevel", "error", "-i", str(path)),
            *("-vn", "-ac", "1", "-ar", str(_PCM_RATE), "-f", "s16le", "pipe:1"),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            pcm, _ = await process.communicate()
        except BaseException:  # the request was cancelled: never leave ffmpeg behind
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
            raise
    if process.returncode != 0 or not pcm:
        return None
    return len(pcm) / (2 * _PCM_RATE)
