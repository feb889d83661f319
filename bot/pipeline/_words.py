"""The speech model's words become segments: one per speaker turn, split at long pauses.

With word timestamps each segment (and each word) gets its real time. Without them the
speech model gives no time at all, so times are estimated from where the turn falls in the
text of its chunk (its share of the characters), and the document says so (``timing:
"estimated"``). Labels ``spk_1``, ``spk_2``... become ``Speaker 1``, ``Speaker 2``....
Misheard vocabulary terms, as the general model found them (``fixes``), are put right in
the segments' text and words; only terms of the server's own list are ever written in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.gemini import RawWord, SpeechReply
from bot.model import Segment, Word
from bot.timecodes import format_timecode

PAUSE_S = 1.5  # a silence this long inside a turn starts a new segment
MAX_SEGMENT_WORDS = 60
_SPEAKER = re.compile(r"^spk_?(\d+)$", re.IGNORECASE)
_EDGE = re.compile(r"^\W+|\W+$")
_TRAIL = re.compile(r"\W+$")


def speaker_label(raw: str | None) -> str:
    """``spk_2`` → ``Speaker 2``; anything else as it is (``Speaker`` when missing)."""
    if not raw:
        return "Speaker 1"
    match = _SPEAKER.match(raw.strip())
    return f"Speaker {int(match.group(1))}" if match else raw.strip()


def _turns(words: list[RawWord]) -> Iterator[list[RawWord]]:
    turn: list[RawWord] = []
    for word in words:
        if turn and _breaks(turn, word):
            yield turn
            turn = []
        turn.append(word)
    if turn:
        yield turn


def _breaks(turn: list[RawWord], word: RawWord) -> bool:
    if word.speaker != turn[-1].speaker or len(turn) >= MAX_SEGMENT_WORDS:
        return True
    last_end, start = turn[-1].end_s, word.start_s
    return last_end is not None and start is not None and start - last_end >= PAUSE_S


def _clamp(value: float, duration_s: float) -> float:
    return min(max(value, 0.0), duration_s)


def _timed_words(turn: list[RawWord], offset_s: float, duration_s: float) -> list[Word]:
    return [
        Word(
            start=round(offset_s + _clamp(w.start_s or 0.0, duration_s), 3),
            end=round(offset_s + _clamp(w.end_s or w.start_s or 0.0, duration_s), 3),
            text=w.text,
        )
        for w in turn
    ]


def segments_from_speech(
    reply: SpeechReply, *, offset_s: float, duration_s: float, timed: bool
) -> list[Segment]:
    """Segments with absolute times (estimated when ``timed`` is False)."""
    words = reply.words or [RawWord(text, None, None, None) for text in reply.text.split()]
    turns = list(_turns(words))
    total = sum(len(w.text) + 1 for w in words) or 1
    segments, seen = [], 0
    for index, turn in enumerate(turns):
        content = " ".join(w.text for w in turn)
        if timed and turn[0].start_s is not None:
            timed_words = _timed_words(turn, offset_s, duration_s)
            start, end = timed_words[0].start, timed_words[-1].end
        else:
            timed_words = []
            start = offset_s + duration_s * seen / total
            end = offset_s + duration_s * (seen + len(content) + 1) / total
        seen += len(content) + 1
        if index + 1 == len(turns) and not timed_words:
            end = offset_s + duration_s
        segments.append(_segment(turn, content, start, max(end, start), timed_words))
    return segments


def _segment(
    turn: list[RawWord], content: str, start: float, end: float, words: list[Word]
) -> Segment:
    return Segment(
        start=round(start, 3),
        end=round(end, 3),
        timestamp=format_timecode(start),
        speaker=speaker_label(turn[0].speaker),
        content=content,
        language="und",
        emotion=None,  # the speech model hears words, not moods
        words=words,
    )


def _tokens(text: str) -> list[str]:
    return [_EDGE.sub("", part).casefold() for part in text.split()]


def apply_fixes(
    segment: Segment, fixes: list[tuple[str, str]], vocabulary: tuple[str, ...]
) -> Segment:
    """``segment`` with each misheard term (heard words → a term of ``vocabulary``) put
    right in its text and its words; fixes naming any other term are ignored."""
    allowed = {term.casefold(): term for term in vocabulary}
    content, words = segment.content, list(segment.words)
    for heard, wanted in fixes:
        term = allowed.get(wanted.strip().casefold())
        pattern = [t for t in _tokens(heard) if t]
        if term is None or not pattern:
            continue
        content = _replace_text(content, heard, term)
        words = _replace_words(words, pattern, term)
    return segment.model_copy(update={"content": content, "words": words})


def _replace_text(content: str, heard: str, term: str) -> str:
    parts = [re.escape(part) for part in heard.split()]
    pattern = re.compile(r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)", re.IGNORECASE)
    return pattern.sub(lambda _: term, content)


def _replace_words(words: list[Word], pattern: list[str], term: str) -> list[Word]:
    out: list[Word] = []
    index, size = 0, len(pattern)
    while index < len(words):
        window = words[index : index + size]
        if [_EDGE.sub("", w.text).casefold() for w in window] == pattern:
            trailing = _TRAIL.search(window[-1].text)
            tail = trailing.group(0) if trailing else ""
            out.append(Word(start=window[0].start, end=window[-1].end, text=term + tail))
            index += size
            continue
        out.append(words[index])
        index += 1
    return out
