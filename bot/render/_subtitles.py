"""SubRip (.srt) and WebVTT (.vtt) subtitles from the transcript's segments."""

from __future__ import annotations

from bot.model import Segment, TranscriptDocument

_MIN_CUE_S = 0.5  # a cue shorter than this flashes by unreadably


def _clock(seconds: float, separator: str) -> str:
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def _cue_text(segment: Segment, *, escape_vtt: bool) -> str:
    text = f"{segment.speaker}: {segment.content}"
    if segment.translation:
        text += f"\n({segment.translation})"
    if escape_vtt:
        # WebVTT treats these as markup; SRT players differ, so SRT keeps the raw text.
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("-->", "→")


def _cue_end(segment: Segment) -> float:
    return max(segment.end, segment.start + _MIN_CUE_S)


def render_srt(document: TranscriptDocument) -> str:
    """SubRip subtitles, one cue per segment."""
    cues = []
    for index, segment in enumerate(document.segments, 1):
        span = f"{_clock(segment.start, ',')} --> {_clock(_cue_end(segment), ',')}"
        cues.append(f"{index}\n{span}\n{_cue_text(segment, escape_vtt=False)}\n")
    return "\n".join(cues)


def render_vtt(document: TranscriptDocument) -> str:
    """WebVTT subtitles, one cue per segment."""
    cues = ["WEBVTT\n"]
    for segment in document.segments:
        span = f"{_clock(segment.start, '.')} --> {_clock(_cue_end(segment), '.')}"
        cues.append(f"{span}\n{_cue_text(segment, escape_vtt=True)}\n")
    return "\n".join(cues)
