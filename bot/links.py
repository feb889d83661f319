"""Video links: a YouTube URL reduced to its video id and rebuilt, nothing else accepted.

Gemini takes a public YouTube video as input by its URL (``{"type": "video", "uri":
"https://www.youtube.com/watch?v=ID"}``, Gemini's video-understanding docs): the bot never
downloads it, and never opens any other URL. A link is accepted only in the shapes YouTube
itself hands out (``watch?v=``, ``youtu.be/``, ``shorts/``, ``live/``, on youtube.com,
www., m. and music.), its id must be YouTube's 11 characters of ``[A-Za-z0-9_-]``, and what
reaches Gemini is the canonical URL rebuilt from that id alone: no other part of what was
pasted (other parameters, a playlist, a fragment, userinfo) travels on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_WATCH_HOSTS = frozenset({"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com"})
_SHORT_HOSTS = frozenset({"youtu.be", "www.youtu.be"})
_PATH_KINDS = ("shorts", "live")
MAX_LINK_CHARS = 500


@dataclass(frozen=True)
class VideoLink:
    """A validated YouTube video."""

    video_id: str

    @property
    def url(self) -> str:
        """The canonical URL Gemini is given."""
        return f"https://www.youtube.com/watch?v={self.video_id}"


def _valid(candidate: str | None) -> VideoLink | None:
    if candidate is None or not _VIDEO_ID.fullmatch(candidate):
        return None
    return VideoLink(candidate)


def youtube_video(text: str) -> VideoLink | None:
    """The video a YouTube link points at, or None when ``text`` is not one."""
    text = text.strip()
    if len(text) > MAX_LINK_CHARS or any(c.isspace() for c in text):
        return None
    try:
        parts = urlsplit(text if "://" in text else f"https://{text}")
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or parts.username or parts.password:
        return None
    if parts.port not in (None, 443, 80):
        return None
    segments = [s for s in parts.path.split("/") if s]
    if host in _SHORT_HOSTS:
        return _valid(segments[0]) if len(segments) == 1 else None
    if host not in _WATCH_HOSTS:
        return None
    if segments == ["watch"]:
        ids = parse_qs(parts.query).get("v", [])
        return _valid(ids[0]) if len(ids) == 1 else None
    if len(segments) == 2 and segments[0] in _PATH_KINDS:
        return _valid(segments[1])
    return None


def looks_like_url(text: str) -> bool:
    """Whether ``text`` reads as a link at all (for the wording of a refusal)."""
    lowered = text.strip().lower()
    return "://" in lowered or lowered.startswith("www.") or "." in lowered.split("/")[0]
