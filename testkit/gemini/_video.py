"""YouTube videos as input: ``{"type": "video", "uri": "https://www.youtube.com/watch?v=ID"}``.

What Gemini documents, and where it is unsure, the stricter reading (what the fake does):

* Only **public** YouTube videos work (Gemini's video-understanding docs, "YouTube URLs":
  public videos only). The fake knows the videos a test registers with
  :meth:`YouTube.add`; an unknown or private one is refused with 400 ``invalid_request``
  ("Cannot fetch content from the provided URL"), as the service refuses what it cannot
  fetch. Any other host in a video ``uri`` is refused the same way (the fake holds no
  Files API videos).
* **Tokens**: frames at 1 frame per second by default (``fps`` in ``(0, 24]``), 258 tokens
  per frame at the default resolution and 66 at ``"low"`` (the docs' token counts: "about
  300 tokens per second at the default media resolution, about 100 at low", with audio at 32
  tokens per second on top). ``resolution`` and ``processing.fps`` are honoured.
* **Clipping**: ``processing.start_offset``/``end_offset`` (``"30s"``) clip the **frames**.
  For YouTube URIs they are *not* applied to the **audio**: a public report
  (discuss.ai.google.dev, "videoMetadata clipping on YouTube URLs no longer clips audio",
  2026) shows the whole video's audio billed whatever the offsets, while uploaded files are
  clipped. The fake bills the whole audio, the stricter of the two behaviours.
* ``processing.content_layers`` (``["audio"]``: "content layers to extract from the video",
  the SDK's ``StaticMediaProcessing``) is documented for nothing in particular and by no
  page for YouTube: the fake ignores it for YouTube URIs (frames are still billed).
* Usage reports each modality (``input_tokens_by_modality``: text, audio, video), as the
  SDK's ``Usage`` types it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from testkit.gemini._replies import ErrorReply, JsonObject
from testkit.gemini._wire import invalid_request

FRAME_TOKENS = {"low": 66, "medium": 258, "high": 258, "ultra_high": 258}
DEFAULT_FRAME_TOKENS = 258
DEFAULT_FPS = 1.0
AUDIO_TOKENS_PER_SECOND = 32
_YOUTUBE = re.compile(r"^https://www\.youtube\.com/watch\?v=([A-Za-z0-9_-]{11})$")
_OFFSET = re.compile(r"^(\d+(?:\.\d+)?)s$")
CANNOT_FETCH = "Cannot fetch content from the provided URL."


@dataclass(frozen=True)
class VideoCost:
    """What one video part bills: frames and audio tokens, and the seconds each covered."""

    frame_tokens: int
    audio_tokens: int
    frames_s: float
    audio_s: float


@dataclass
class YouTube:
    """The YouTube videos the fake can 'fetch': id → (duration in seconds, public)."""

    videos: dict[str, tuple[float, bool]] = field(default_factory=dict)
    fetched: list[str] = field(default_factory=list)

    def add(self, video_id: str, duration_s: float, *, public: bool = True) -> str:
        """Register a video; returns its canonical URL."""
        self.videos[video_id] = (duration_s, public)
        return f"https://www.youtube.com/watch?v={video_id}"

    def check(self, block: JsonObject) -> ErrorReply | None:
        """Gemini's answer to a video part it cannot use, if any."""
        uri = str(block.get("uri") or "")
        if block.get("data") is not None:
            return invalid_request("The fake only takes YouTube videos by uri.")
        match = _YOUTUBE.match(uri)
        known = self.videos.get(match.group(1)) if match else None
        if known is None or not known[1]:
            return invalid_request(CANNOT_FETCH)
        processing = block.get("processing")
        if processing is not None and _window(processing) is None:
            return invalid_request("Invalid video processing offsets.")
        return None

    def cost(self, block: JsonObject) -> VideoCost:
        """The tokens of a checked video part (see the module docstring)."""
        match = _YOUTUBE.match(str(block["uri"]))
        assert match is not None
        self.fetched.append(match.group(1))
        duration = self.videos[match.group(1)][0]
        processing = block.get("processing") or {}
        start, end = _window(processing) or (0.0, None)
        frames_s = max(0.0, min(end if end is not None else duration, duration) - start)
        fps = float(processing.get("fps") or DEFAULT_FPS)
        per_frame = FRAME_TOKENS.get(str(block.get("resolution")), DEFAULT_FRAME_TOKENS)
        frames = math.ceil(frames_s * fps)
        audio = math.ceil(duration * AUDIO_TOKENS_PER_SECOND)  # never clipped for YouTube
        return VideoCost(frames * per_frame, audio, frames_s, duration)


def _offset(value: object) -> float | None:
    match = _OFFSET.match(str(value)) if value is not None else None
    return float(match.group(1)) if match else None


def _window(processing: object) -> tuple[float, float | None] | None:
    """(start, end) seconds of a static processing block; None when malformed."""
    if not isinstance(processing, dict) or processing.get("type") != "static":
        return None
    fps = processing.get("fps")
    if fps is not None and not (isinstance(fps, int | float) and 0 < fps <= 24):
        return None
    start = _offset(processing.get("start_offset", "0s"))
    end = _offset(processing["end_offset"]) if "end_offset" in processing else None
    if start is None or ("end_offset" in processing and (end is None or end <= start)):
        return None
    return start, end
