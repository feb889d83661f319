"""SubRip (.srt) and WebVTT (.vtt) subtitles from the transcript's segments.

Without word timing a cue is a segment, shown from its start to the next one's. With word
timestamps (the speech model's, opt-in) cues follow the words themselves: a segment's words
are grouped into short cues (a few seconds, a line or two), each shown exactly while its
words are spoken, so subtitles keep pace with the speech.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from bot.model import Segment, TranscriptDocument, Word

_MIN_CUE_S = 0.5  # a cue shorter than this flashes by unreadably
MAX_CUE_S = 6.0  # a word-timed cue never spans longer than this
MAX_CUE_CHARS = 84  # two subtitle lines of 42 characters
_PAUSE_S = 1.0  # a silence this long between words starts a new cue


@dataclass(frozen=True)
class Cue:
    """One subtitle: when it shows and what it says (the translation under a segment's
    first cue)."""

    start: float
    end: float
    speaker: str
    text: str
    translation: str | None = None


def _clock(seconds: float, separator: str) -> str:
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def _word_groups(words: list[Word]) -> Iterator[list[Word]]:
    group: list[Word] = []
    for word in words:
        if group:
            too_long = word.end - group[0].start > MAX_CUE_S
            too_wide = len(" ".join(w.text for w in group)) + 1 + len(word.text) > MAX_CUE_CHARS
            paused = word.start - group[-1].end >= _PAUSE_S
            if too_long or too_wide or paused:
                yield group
                group = []
        group.append(word)
    if group:
        yield group


def segment_cues(segment: Segment) -> list[Cue]:
    """The cues of one segment: one per word group when it has words, else one."""
    if not segment.words:
        end = max(segment.end, segment.start + _MIN_CUE_S)
        return [Cue(segment.start, end, segment.speaker, segment.content, segment.translation)]
    cues = []
    for index, group in enumerate(_word_groups(segment.words)):
        text = " ".join(word.text for word in group)
        end = max(group[-1].end, group[0].start + _MIN_CUE_S)
        translation = segment.translation if index == 0 else None
        cues.append(Cue(group[0].start, end, segment.speaker, text, translation))
    return cues


def _cue_text(cue: Cue, *, escape_vtt: bool) -> str:
    text = f"{cue.speaker}: {cue.text}"
    if cue.translation:
        text += f"\n({cue.translation})"
    if escape_vtt:
        # WebVTT treats these as markup; SRT players differ, so SRT keeps the raw text.
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("-->", "→")


def _cues(document: TranscriptDocument) -> list[Cue]:
    return [cue for segment in document.segments for cue in segment_cues(segment)]


def render_srt(document: TranscriptDocument) -> str:
    """SubRip subtitles: a cue per segment, or per word group with word timing."""
    blocks = []
    for index, cue in enumerate(_cues(document), 1):
        span = f"{_clock(cue.start, ',')} --> {_clock(cue.end, ',')}"
        blocks.append(f"{index}\n{span}\n{_cue_text(cue, escape_vtt=False)}\n")
    return "\n".join(blocks)


def render_vtt(document: TranscriptDocument) -> str:
    """WebVTT subtitles: a cue per segment, or per word group with word timing."""
    blocks = ["WEBVTT\n"]
    for cue in _cues(document):
        span = f"{_clock(cue.start, '.')} --> {_clock(cue.end, '.')}"
        blocks.append(f"{span}\n{_cue_text(cue, escape_vtt=True)}\n")
    return "\n".join(blocks)
