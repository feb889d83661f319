"""When Gemini's daily quota resets: the next midnight in Los Angeles, daylight saving and all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.gemini import quota_reset_after


@pytest.mark.parametrize(
    ("now", "reset"),
    [
        # Winter (PST, UTC-8): midnight Pacific is 08:00 UTC.
        (datetime(2030, 1, 1, 12, 0, tzinfo=UTC), datetime(2030, 1, 2, 8, 0, tzinfo=UTC)),
        # Summer (PDT, UTC-7): 07:00 UTC.
        (datetime(2030, 7, 1, 12, 0, tzinfo=UTC), datetime(2030, 7, 2, 7, 0, tzinfo=UTC)),
        # 07:30 UTC in January is still the previous evening in Los Angeles.
        (datetime(2030, 1, 2, 7, 30, tzinfo=UTC), datetime(2030, 1, 2, 8, 0, tzinfo=UTC)),
        # Exactly at a reset: the next one, a day later.
        (datetime(2030, 1, 2, 8, 0, tzinfo=UTC), datetime(2030, 1, 3, 8, 0, tzinfo=UTC)),
        # The night daylight saving starts (2030-03-10): the reset after is at 07:00 UTC.
        (datetime(2030, 3, 10, 12, 0, tzinfo=UTC), datetime(2030, 3, 11, 7, 0, tzinfo=UTC)),
    ],
)
def test_the_reset_is_the_next_midnight_in_los_angeles(now: datetime, reset: datetime) -> None:
    assert quota_reset_after(now) == reset


def test_any_zone_in_gives_the_same_instant() -> None:
    now = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    tokyo = now.astimezone(ZoneInfo("Asia/Tokyo"))
    assert quota_reset_after(tokyo) == quota_reset_after(now)
    assert quota_reset_after(now) - now < timedelta(days=1)


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        quota_reset_after(datetime(2030, 1, 1, 12, 0))
