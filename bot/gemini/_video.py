"""A YouTube video as Gemini input: by its canonical URL, with the cost bounded up front.

``{"type": "video", "uri": ..., "resolution": "low", "processing": {"type": "static",
"start_offset": "0s", "end_offset": "900s", "fps": 0.25, "content_layers": ["audio"]}}``
(the SDK's ``VideoContent`` and ``StaticMediaProcessing``). What each field buys, as far as
Gemini documents or is reported (see ``testkit/gemini/_video.py`` and the README):
``resolution`` low (66 tokens a frame instead of 258) and a low ``fps`` cut the frames'
tokens; the offsets clip the frames; for YouTube URIs they are reported not to clip the
audio (billed for the whole video at 32 tokens per second); ``content_layers`` is sent in
case Gemini honours audio-only processing, which no page promises for YouTube. The real
cost is read back from the usage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

VIDEO_FPS = 0.25  # a frame every 4 s: a voice-note bot listens; the frames barely matter
VIDEO_RESOLUTION = "low"
LOW_FRAME_TOKENS = 66


@dataclass(frozen=True)
class VideoInput:
    """A public video Gemini fetches itself, and the window of it asked for."""

    uri: str
    start_s: float
    end_s: float

    @property
    def bound_s(self) -> float:
        """The seconds of frames the request is bounded to."""
        return max(0.0, self.end_s - self.start_s)

    def part(self) -> dict[str, Any]:
        """The ``input`` content block."""
        processing = {
            "type": "static",
            "start_offset": f"{self.start_s:g}s",
            "end_offset": f"{self.end_s:g}s",
            "fps": VIDEO_FPS,
            "content_layers": ["audio"],
        }
        return {
            "type": "video",
            "uri": self.uri,
            "resolution": VIDEO_RESOLUTION,
            "processing": processing,
        }

    def estimated_tokens(self) -> int:
        """What the bounded window costs if Gemini clips audio and frames alike: audio at 32
        tokens a second plus low-resolution frames."""
        return round(self.bound_s * (32 + VIDEO_FPS * LOW_FRAME_TOKENS))
