"""What moderators type into ``/review list`` and ``/review export``: dates and words."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.errors import InvalidOptions

MAX_WORDS = 8
MAX_WORD_CHARS = 40
_WORD = re.compile(r"[^\W_]+")
_RELATIVE = re.compile(r"^\s*(\d{1,4})\s*([mhdw])\s*$", re.IGNORECASE)
_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d")
WHEN_HELP = "use a date such as 2030-01-31 (or 2030-01-31 14:00, UTC) or an age such as 7d or 12h"


def search_words(text: str) -> tuple[str, ...]:
    """The words of a text search: letters and digits only (so nothing is query syntax
    for either database), lower-cased, at most eight of at most 40 characters."""
    words = [word[:MAX_WORD_CHARS] for word in _WORD.findall(text.lower())]
    if not words:
        raise InvalidOptions("Search for at least one word (letters or digits).")
    return tuple(dict.fromkeys(words))[:MAX_WORDS]


def parse_when(text: str, *, now: datetime, field: str, end: bool = False) -> datetime:
    """A moment from a date (UTC), a date and time, or an age (``7d`` = seven days ago).
    With ``end``, a bare date means the end of that day (``until:2030-01-31`` includes
    the 31st)."""
    relative = _RELATIVE.match(text)
    if relative:
        return now - timedelta(seconds=int(relative[1]) * _UNITS[relative[2].lower()])
    for form in _FORMATS:
        try:
            parsed = datetime.strptime(text.strip(), form).replace(tzinfo=UTC)
        except ValueError:
            continue
        if end and form == "%Y-%m-%d":
            parsed += timedelta(days=1)
        return parsed
    raise InvalidOptions(f"I couldn't read {field} {text[:30]!r}: {WHEN_HELP}.")


def check_period(since: datetime | None, until: datetime | None) -> None:
    """A period must not end before it starts."""
    if since is not None and until is not None and until <= since:
        raise InvalidOptions("`until` must come after `since`.")
