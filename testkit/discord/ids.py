"""Clock, snowflakes and tokens for the fake Discord.

The clock can be moved forward by tests (``FakeClock.advance``) so that deadlines such as the
3-second interaction window or the 15-minute interaction token lifetime can be crossed without
sleeping.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time

DISCORD_EPOCH_MS = 1_420_070_400_000


class FakeClock:
    """Wall and monotonic clocks with a shared, test-controlled offset."""

    def __init__(self) -> None:
        self.offset = 0.0

    def time(self) -> float:
        """Seconds since the Unix epoch, shifted by the offset."""
        return time.time() + self.offset

    def monotonic(self) -> float:
        """A monotonic reading, shifted by the offset (used for deadlines)."""
        return time.monotonic() + self.offset

    def advance(self, seconds: float) -> None:
        """Move both clocks forward by ``seconds``."""
        self.offset += seconds

    def iso(self, at: float | None = None) -> str:
        """An ISO-8601 timestamp in Discord's format (microseconds, ``+00:00``)."""
        moment = self.time() if at is None else at
        stamp = dt.datetime.fromtimestamp(moment, dt.UTC)
        return stamp.isoformat(timespec="microseconds")


class SnowflakeGenerator:
    """Time-based, strictly increasing Discord snowflakes."""

    def __init__(self, clock: FakeClock) -> None:
        self._clock = clock
        self._last = 0

    def next(self) -> int:
        """Return a new snowflake whose timestamp is the clock's current time."""
        millis = int(self._clock.time() * 1000) - DISCORD_EPOCH_MS
        candidate = millis << 22
        if candidate <= self._last:
            candidate = self._last + 1
        self._last = candidate
        return candidate


def new_token(nbytes: int = 24) -> str:
    """A URL-safe random token (interaction tokens, session ids)."""
    return secrets.token_hex(nbytes)
