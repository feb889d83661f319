"""Parsing and formatting of the timestamps people and Gemini write.

Gemini writes ``MM:SS`` (and ``H:MM:SS`` past an hour); people type ``1:23``, ``01:02:03`` or
plain seconds (``83``, ``83.5``). Everything inside the pipeline is float seconds.
"""

from __future__ import annotations

import math
import re

from bot.errors import InvalidOptions

_CLOCK = re.compile(r"^\s*(?:(\d+):)?(\d{1,3}):(\d{1,2}(?:[.,]\d+)?)\s*$")
_SECONDS = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*s?\s*$")


def parse_timecode(text: str) -> float | None:
    """Seconds for ``MM:SS``, ``H:MM:SS`` or a plain number of seconds; None if unreadable.

    Seconds of 60 or more inside a clock value are rejected: ``01:75`` is a typo, not 2:15.
    """
    match = _CLOCK.match(text)
    if match:
        hours = int(match.group(1) or 0)
        minutes = int(match.group(2))
        seconds = float(match.group(3).replace(",", "."))
        if seconds >= 60 or (match.group(1) is not None and minutes >= 60):
            return None
        return hours * 3600 + minutes * 60 + seconds
    match = _SECONDS.match(text)
    if match:
        return float(match.group(1).replace(",", "."))
    return None


def parse_user_timecode(text: str, *, field: str) -> float:
    """Like :func:`parse_timecode`, but a clear ``InvalidOptions`` error when unreadable."""
    value = parse_timecode(text)
    if value is None or not math.isfinite(value):
        raise InvalidOptions(
            f"I couldn't read {field} {text[:20]!r}: use MM:SS, H:MM:SS or a number of seconds."
        )
    return value


def format_timecode(seconds: float) -> str:
    """``MM:SS`` below an hour, ``H:MM:SS`` from an hour on (whole seconds, rounded down)."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes:02d}:{secs:02d}"


def format_duration(seconds: float, *, precise: bool = False) -> str:
    """What a person would write: ``0.05 s``, ``42 s``, ``3 min 5 s``, ``2 h 10 min``.

    Under ten seconds the decimals stay (``0.3 s`` is a very different clip from ``0 s``).
    ``precise`` keeps the seconds past an hour (and a third decimal under ten seconds), for
    when the rounded forms of two different values would read the same.
    """
    if seconds < 10:
        text = f"{max(0.0, seconds):.3f}" if precise else f"{max(0.0, seconds):.2f}"
        return text.rstrip("0").rstrip(".") + " s"
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        parts = [f"{hours} h", f"{minutes} min" if minutes else ""]
        parts.append(f"{secs} s" if precise and secs else "")
        return " ".join(part for part in parts if part)
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"


def compared_durations(value_s: float, limit_s: float) -> tuple[str, str]:
    """A duration and its limit in words, precise enough that they never read the same."""
    value, limit = format_duration(value_s), format_duration(limit_s)
    if value == limit:
        value = format_duration(value_s, precise=True)
        limit = format_duration(limit_s, precise=True)
    return value, limit
