"""Clocks the tests control, and a sleep that does not wait."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class FakeClock:
    """A clock that only moves when told to. Call it for "now"."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2030, 1, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds``."""
        self.now += timedelta(seconds=seconds)


class OffsetClock:
    """Real time plus whatever :meth:`advance` added: the bot's "now" (storage, quotas,
    delivery) in end-to-end tests, which must keep running on its own."""

    def __init__(self) -> None:
        self._offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def advance(self, seconds: float) -> None:
        """Jump ``seconds`` ahead; only while no job runs (running jobs' leases lapse)."""
        self._offset += timedelta(seconds=seconds)

    def advance_to_midday(self) -> None:
        """Jump to the next 12:00 UTC, far from a day boundary, so quota tests are exact."""
        now = self()
        midday = now.replace(hour=12, minute=0, second=0, microsecond=0)
        if midday <= now:
            midday += timedelta(days=1)
        self.advance((midday - now).total_seconds())


class SleepRecorder:
    """Stands in for asyncio.sleep where a test should not wait for real."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
