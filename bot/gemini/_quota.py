"""When Gemini's daily quota comes back.

Gemini's rate-limits page (ai.google.dev/gemini-api/docs/rate-limits): limits apply per
project, per model; "requests per day (RPD) quotas reset at midnight Pacific time". Pacific
time observes daylight saving, so the reset is 07:00 or 08:00 UTC depending on the date:
computed with the IANA zone, never a fixed offset (``tzdata`` provides the zone on systems
without one, such as slim container images).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

PACIFIC = ZoneInfo("America/Los_Angeles")
Clock = Callable[[], datetime]


def utc_clock() -> datetime:
    """The real clock, in UTC."""
    return datetime.now(UTC)


def quota_reset_after(now: datetime) -> datetime:
    """The first midnight in America/Los_Angeles after ``now`` (aware), in UTC."""
    if now.tzinfo is None:
        raise ValueError("quota_reset_after needs an aware datetime")
    local_date = now.astimezone(PACIFIC).date()
    midnight = datetime.combine(local_date + timedelta(days=1), time(0), tzinfo=PACIFIC)
    return midnight.astimezone(UTC)
