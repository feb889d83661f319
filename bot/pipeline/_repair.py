"""Never trust the output: turn Gemini's reply into validated, absolute-time segments.

Known failure modes this handles (see GEMINI_FACTS.md): timestamps that drift past the end
or go backwards, unreadable timestamps and repetition loops. JSON cut at the token limit is
:mod:`._salvage`'s.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from bot.gemini import GeminiEvidence, GeminiFlag, GeminiSegment
from bot.model import Evidence, Flag, Segment
from bot.timecodes import format_timecode, parse_timecode

# Timestamps are whole seconds from a model that rounds; allow a little slack past the end.
_END_TOLERANCE_S = 1.5
_LOOP_RUN = 3  # this many identical segments in a row is a loop, not emphasis
_WORDS = re.compile(r"\w+")


@dataclass
class Repaired:
    """Segments with absolute times, plus what had to be fixed (for the document)."""

    segments: list[Segment] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    looped: bool = False


def _norm(text: str) -> str:
    return " ".join(_WORDS.findall(text.lower()))


def has_repetition_loop(contents: list[str]) -> bool:
    """True when the same utterance repeats ``_LOOP_RUN`` times in a row, or one utterance
    fills most of a long list: the signature of a decoding loop."""
    normalized = [_norm(c) for c in contents if _norm(c)]
    run = 1
    for previous, current in itertools.pairwise(normalized):
        run = run + 1 if current == previous else 1
        if run >= _LOOP_RUN:
            return True
    if len(normalized) >= 8:
        most = max(normalized.count(c) for c in set(normalized))
        return most > len(normalized) // 2
    return False


def _collapse_loops(raw: list[GeminiSegment]) -> tuple[list[GeminiSegment], int]:
    kept: list[GeminiSegment] = []
    seen_counts: dict[str, int] = {}
    dropped = 0
    for seg in raw:
        key = _norm(seg.content)
        repeats_previous = bool(kept) and key == _norm(kept[-1].content)
        seen_counts[key] = seen_counts.get(key, 0) + 1
        if key and (repeats_previous or seen_counts[key] > _LOOP_RUN):
            dropped += 1
            continue
        kept.append(seg)
    return kept, dropped


def _starts(raw: list[GeminiSegment]) -> list[float | None]:
    return [parse_timecode(seg.timestamp) for seg in raw]


def _fill_unreadable(starts: list[float | None]) -> tuple[list[float], int]:
    """An unreadable timestamp takes its predecessor's (0 for the first)."""
    filled: list[float] = []
    bad = 0
    for value in starts:
        if value is None:
            bad += 1
            value = filled[-1] if filled else 0.0
        filled.append(value)
    return filled, bad


def repair_segments(raw: list[GeminiSegment], *, offset_s: float, duration_s: float) -> Repaired:
    """Validate ``raw`` (times relative to a clip of ``duration_s``) into absolute segments."""
    result = Repaired()
    segments, dropped_loop = _collapse_loops(raw)
    if dropped_loop:
        result.looped = True
        result.warnings.append(f"Removed {dropped_loop} repeated segments (a model loop).")
    starts, unreadable = _fill_unreadable(_starts(segments))
    if unreadable:
        result.warnings.append(f"{unreadable} segments had unreadable timestamps.")
    pairs = [(s, seg) for s, seg in zip(starts, segments, strict=True) if seg.content.strip()]
    in_range = [(s, seg) for s, seg in pairs if s <= duration_s + _END_TOLERANCE_S]
    if len(in_range) < len(pairs):
        result.warnings.append(
            f"Dropped {len(pairs) - len(in_range)} segments timed past the end of the audio."
        )
    if any(b[0] < a[0] for a, b in itertools.pairwise(in_range)):
        result.warnings.append("Reordered segments whose timestamps went backwards.")
        in_range.sort(key=lambda pair: pair[0])  # stable: equal starts keep the model's order
    result.segments = _absolute(in_range, offset_s=offset_s, duration_s=duration_s)
    return result


def _absolute(
    pairs: list[tuple[float, GeminiSegment]], *, offset_s: float, duration_s: float
) -> list[Segment]:
    """Clamp, give each segment an end (the next start, or the clip's end), add the offset."""
    out: list[Segment] = []
    for index, (start, seg) in enumerate(pairs):
        start = min(max(start, 0.0), duration_s)
        end = pairs[index + 1][0] if index + 1 < len(pairs) else duration_s
        end = min(max(end, start), duration_s)
        translation = seg.translation.strip()
        out.append(
            Segment(
                start=round(offset_s + start, 3),
                end=round(offset_s + end, 3),
                timestamp=format_timecode(offset_s + start),
                speaker=seg.speaker.strip() or "Speaker",
                content=seg.content.strip(),
                language=seg.language.strip() or "und",
                translation=translation if translation and translation != seg.content else None,
                emotion=seg.emotion,
            )
        )
    return out


def _clamped(timestamp: str, *, offset_s: float, duration_s: float) -> float:
    value = parse_timecode(timestamp)
    return offset_s + min(max(value if value is not None else 0.0, 0.0), duration_s)


def repair_flags(raw: list[GeminiFlag], *, offset_s: float, duration_s: float) -> list[Flag]:
    """Flags with absolute, clamped times."""
    flags = []
    for flag in raw:
        start = _clamped(flag.timestamp, offset_s=offset_s, duration_s=duration_s)
        flags.append(
            Flag(
                category=flag.category,
                severity=flag.severity,
                reason=flag.reason.strip(),
                start=round(start, 3),
                timestamp=format_timecode(start),
            )
        )
    return flags


def repair_evidence(
    raw: list[GeminiEvidence], *, offset_s: float, duration_s: float
) -> list[Evidence]:
    """Supporting quotes with absolute, clamped times."""
    out = []
    for item in raw:
        start = _clamped(item.timestamp, offset_s=offset_s, duration_s=duration_s)
        out.append(
            Evidence(start=round(start, 3), timestamp=format_timecode(start), quote=item.quote)
        )
    return out
